"""The APM's rules: each column's value, its year-over-year change, and its colour."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from store.metrics import Sums

NONE_LABEL = "(none)"
MET = "met"
NOT_APPLICABLE = "n/a"
COLUMNS = ("forecast", "closed", "open", "pipegen", "coverage")
COLUMN_NAMES = {
    "forecast": "Forecast",
    "closed": "Closed",
    "open": "Open pipe",
    "pipegen": "Pipe gen",
    "coverage": "Coverage",
}
TWO = Decimal("0.01")


@dataclass(frozen=True)
class Thresholds:
    """When a cell is green or yellow (below yellow it is red). SPEC section 3's defaults."""

    pacing_yellow_gap: Decimal = Decimal("0.10")
    forecast_green: Decimal = Decimal("1.00")
    forecast_yellow: Decimal = Decimal("0.90")
    coverage_green: Decimal = Decimal("3.0")
    coverage_yellow: Decimal = Decimal("2.0")
    open_yoy_green: Decimal = Decimal("0")
    open_yoy_yellow: Decimal = Decimal("-0.10")
    # Colour coverage against what the cell's own win rate needs (SPEC section 7), where
    # it has one, rather than the flat coverage_green.
    coverage_by_evidence: bool = False


@dataclass(frozen=True)
class Call:
    """A manager's forecast call in force for a cell: who made it and when."""

    amount: Decimal
    by: str
    at: datetime


@dataclass(frozen=True)
class Cell:
    """One APM cell. Money values are Decimals; coverage is a ratio, `met` or `n/a`.

    A forecast cell under a manager's call shows the call as its value and keeps the
    calculated forecast in `calculated`.
    """

    value: Decimal | str
    prior: Decimal | str | None
    yoy: Decimal | None
    target: Decimal | None
    color: str | None
    calculated: Decimal | None = None
    call: Call | None = None
    needed: Decimal | None = None  # coverage only: 1 / the trailing four quarters' win rate


@dataclass(frozen=True)
class Row:
    value: str
    forecast: Cell
    closed: Cell
    open: Cell
    pipegen: Cell
    coverage: Cell

    def cells(self) -> list[tuple[str, Cell]]:
        return [(name, getattr(self, name)) for name in COLUMNS]


@dataclass(frozen=True)
class Targets:
    closed: Decimal | None = None
    pipegen: Decimal | None = None


def coverage_of(open_amount: Decimal, closed: Decimal, target: Decimal | None) -> Decimal | str:
    """Open pipeline over what remains of the target: `met` when nothing remains, `n/a`
    without a target."""
    if target is None:
        return NOT_APPLICABLE
    remaining = target - closed
    if remaining <= 0:
        return MET
    return (open_amount / remaining).quantize(TWO, rounding=ROUND_HALF_UP)


def change(value: Decimal, prior: Decimal) -> Decimal | None:
    """The fractional change from `prior`; None when there is nothing to compare with."""
    if prior == 0:
        return None
    return ((value - prior) / prior).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _ratio(value: Decimal, target: Decimal) -> Decimal:
    return Decimal("Infinity") if target == 0 else value / target


def _grade(score: Decimal, green: Decimal, yellow: Decimal) -> str:
    return "green" if score >= green else "yellow" if score >= yellow else "red"


def pacing_color(
    value: Decimal, target: Decimal | None, elapsed: Decimal, t: Thresholds
) -> str | None:
    """Closed ACV and pipeline generation: attainment against the elapsed share."""
    if target is None:
        return None
    return _grade(_ratio(value, target), elapsed, elapsed - t.pacing_yellow_gap)


def forecast_color(value: Decimal, target: Decimal | None, t: Thresholds) -> str | None:
    if target is None:
        return None
    return _grade(_ratio(value, target), t.forecast_green, t.forecast_yellow)


def needed_coverage(won: Decimal, lost: Decimal) -> Decimal | None:
    """The coverage a win rate needs: 1 / (won / (won + lost)); None without a won deal."""
    if won <= 0:
        return None
    return ((won + lost) / won).quantize(TWO, rounding=ROUND_HALF_UP)


def coverage_color(
    coverage: Decimal | str, t: Thresholds, needed: Decimal | None = None
) -> str | None:
    """Against the flat thresholds, or (a council's choice) against the evidence: green at
    the coverage the cell's win rate needs, yellow at the same fraction of it as the flat
    yellow is of the flat green."""
    if coverage == MET:
        return "green"
    if coverage == NOT_APPLICABLE:
        return None
    assert isinstance(coverage, Decimal)
    if t.coverage_by_evidence and needed is not None:
        return _grade(coverage, needed, needed * t.coverage_yellow / t.coverage_green)
    return _grade(coverage, t.coverage_green, t.coverage_yellow)


def open_color(yoy: Decimal | None, t: Thresholds) -> str | None:
    if yoy is None:
        return None
    return _grade(yoy, t.open_yoy_green, t.open_yoy_yellow)


def build_row(
    label: str,
    now: Sums,
    prior: Sums,
    targets: Targets,
    prior_targets: Targets,
    elapsed: Decimal,
    thresholds: Thresholds,
    needed: Decimal | None = None,
) -> Row:
    """One APM row from its sums now and a year earlier, its targets, and the coverage its
    win rate needs."""
    forecast = now.closed + now.commit
    prior_forecast = prior.closed + prior.commit
    coverage = coverage_of(now.open, now.closed, targets.closed)
    prior_coverage = coverage_of(prior.open, prior.closed, prior_targets.closed)
    coverage_yoy = (
        coverage - prior_coverage
        if isinstance(coverage, Decimal) and isinstance(prior_coverage, Decimal)
        else None
    )
    open_yoy = change(now.open, prior.open)
    return Row(
        value=label,
        forecast=forecast_cell(forecast, prior_forecast, targets.closed, thresholds),
        closed=Cell(
            now.closed,
            prior.closed,
            change(now.closed, prior.closed),
            targets.closed,
            pacing_color(now.closed, targets.closed, elapsed, thresholds),
        ),
        open=Cell(now.open, prior.open, open_yoy, None, open_color(open_yoy, thresholds)),
        pipegen=Cell(
            now.pipegen,
            prior.pipegen,
            change(now.pipegen, prior.pipegen),
            targets.pipegen,
            pacing_color(now.pipegen, targets.pipegen, elapsed, thresholds),
        ),
        coverage=Cell(
            coverage,
            prior_coverage,
            coverage_yoy,
            thresholds.coverage_green if targets.closed is not None else None,
            coverage_color(coverage, thresholds, needed),
            needed=needed,
        ),
    )


def with_calls(row: Row, call: Call | None, prior_call: Call | None, t: Thresholds) -> Row:
    """The row with managers' calls in place of its calculated forecast, now and a year
    earlier; coloured and compared like any forecast."""
    if call is None and prior_call is None:
        return row
    calculated = row.forecast
    assert isinstance(calculated.value, Decimal) and isinstance(calculated.prior, Decimal)
    value = call.amount if call else calculated.value
    prior = prior_call.amount if prior_call else calculated.prior
    forecast = replace(
        forecast_cell(value, prior, calculated.target, t),
        calculated=calculated.value if call else None,
        call=call,
    )
    return replace(row, forecast=forecast)


def forecast_cell(
    value: Decimal, prior: Decimal, target: Decimal | None, thresholds: Thresholds
) -> Cell:
    """A forecast, calculated or called: compared with a year earlier, coloured against the
    closed target."""
    return Cell(
        value, prior, change(value, prior), target, forecast_color(value, target, thresholds)
    )
