"""The APM computed straight from the CSV exports and SPEC section 3, without any of the
code under test: the oracle that issue 14's numbers are checked against.

Each rule below is SPEC section 3 read literally:
- a deal's state at `t` is its latest change at or before `t` (strictly before, for an
  as-of date: the end of that day excludes a change stamped 00:00:00 the next day);
  history rows take effect at their own timestamps, the export's current values at its
  LastModifiedDate but never before the deal's last history row;
- a deal exists from its created timestamp; a blank amount is no amount (counts as 0);
- created dates are the created timestamp's date in the workspace's zone; close dates are
  dates; a date counts in `[start, t*)` when its day has begun (in the zone) before `t*`;
- `t* = min(t, end)`; the prior of a cell is the same metric for the quarter a year
  earlier, as of `t - 1 year`; money is Decimal, to the cent.

Where SPEC is terse, the readings taken (say so here if one changes):
- at a moment exactly 00:00 of day D, D has not "begun before t*": it is not yet counted;
- coverage `met` is green; a total's targets are its own (`dimension=total`) only;
- `target` of the open and coverage cells is not compared (SPEC gives them none);
- a dimension value with nothing in it, now or a year earlier, may be left out of rows;
- the elapsed share `e` is measured in real seconds (a quarter across a DST change has
  one hour more or less).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

NONE_VALUE = "(none)"
WON, LOST = "Closed Won", "Closed Lost"
STAGE_CATEGORY = {
    "Prospecting": "Pipeline",
    "Qualification": "Pipeline",
    "Consideration": "Best Case",
    "Decision": "Commit",
    WON: "Closed",
    LOST: "Omitted",
}
DIMENSION_COLUMNS = {
    "product": "Product",
    "region": "Region",
    "segment": "Segment",
    "source": "LeadSource",
}
CENT = Decimal("0.01")
END_OF_DAY = timedelta(microseconds=1)
# SPEC section 3's default colour thresholds.
PACING_GAP = Decimal("0.10")
FORECAST_GREEN, FORECAST_YELLOW = Decimal("1"), Decimal("0.9")
COVERAGE_GREEN, COVERAGE_YELLOW = Decimal("3"), Decimal("2")
OPEN_YOY_YELLOW = Decimal("-0.10")


@dataclass(frozen=True)
class State:
    stage: str
    amount: Decimal | None
    close: date
    category: str


@dataclass
class Deal:
    external_id: str
    created: datetime
    dimensions: dict[str, str]
    changes: list[tuple[datetime, State]] = field(default_factory=list)

    def state_at(self, asof: AsOf) -> State | None:
        """The deal as it stood at `asof`; None before it was created."""
        if not asof.counts(self.created):
            return None
        current: State | None = None
        for moment, state in self.changes:  # sorted by moment, export last on a tie
            if asof.counts(moment):
                current = state
        return current


@dataclass(frozen=True)
class AsOf:
    """An as-of time: `moment`, and whether a change stamped exactly then counts."""

    moment: datetime
    inclusive: bool

    def counts(self, stamped: datetime) -> bool:
        return stamped <= self.moment if self.inclusive else stamped < self.moment


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    after: date  # the first day of the next quarter


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def parse_asof(text: str, zone: ZoneInfo) -> AsOf:
    """`2025-11-15` is the end of that day in the zone; a moment without a zone is local."""
    if len(text) == 10:
        return AsOf(day_start(date.fromisoformat(text) + timedelta(days=1), zone), False)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return AsOf(moment.astimezone(UTC), True)


def year_earlier(asof: AsOf, zone: ZoneInfo) -> AsOf:
    """`t - 1 year` on the workspace's calendar and clock."""
    wall = asof.moment.astimezone(zone).replace(tzinfo=None)
    earlier = wall.replace(year=wall.year - 1).replace(tzinfo=zone)
    return AsOf(earlier.astimezone(UTC), asof.inclusive)


def parse_period(label: str) -> Period:
    """A calendar quarter, `2025-Q4` (the workspace's fiscal year starts in January)."""
    year, quarter = int(label[:4]), int(label[-1])
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(label, first, after)


def period_before(period: Period) -> Period:
    return parse_period(f"{int(period.label[:4]) - 1}{period.label[4:]}")


def _amount(text: str) -> Decimal | None:
    return Decimal(text.strip()) if text.strip() else None


def _state(row: dict[str, str], category_column: str) -> State:
    stage = row["StageName"].strip()
    category = row.get(category_column, "").strip() or STAGE_CATEGORY[stage]
    return State(stage, _amount(row["Amount"]), date.fromisoformat(row["CloseDate"]), category)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def load_deals(deals_csv: Path, history_csv: Path) -> list[Deal]:
    """Every deal and its timeline, read from the two exports and nothing else."""
    history: dict[str, list[tuple[datetime, State]]] = {}
    for row in _rows(history_csv):
        moment = parse_timestamp(row["CreatedDate"])
        history.setdefault(row["OpportunityId"], []).append(
            (moment, _state(row, "ForecastCategory"))
        )
    deals: list[Deal] = []
    for row in _rows(deals_csv):
        changes = sorted(history.get(row["Id"], []), key=lambda change: change[0])
        current = _state(row, "ForecastCategoryName")
        modified = parse_timestamp(row["LastModifiedDate"])
        if changes:
            modified = max(modified, changes[-1][0])  # never before the last history row
        changes.append((modified, current))  # stable sort above: the export wins a tie
        dimensions = {d: row.get(c, "").strip() or NONE_VALUE for d, c in DIMENSION_COLUMNS.items()}
        deals.append(Deal(row["Id"], parse_timestamp(row["CreatedDate"]), dimensions, changes))
    return deals


@dataclass(frozen=True)
class Figures:
    closed: Decimal
    open: Decimal
    pipegen: Decimal
    commit: Decimal  # open Commit deals closing in the period

    @property
    def forecast(self) -> Decimal:
        return self.closed + self.commit


class Oracle:
    """SPEC section 3 over a list of deals, in one workspace time zone."""

    def __init__(
        self,
        deals: list[Deal],
        zone: str,
        targets: dict[tuple[str, str, str, str], Decimal] | None = None,
    ) -> None:
        self.deals = deals
        self.zone = ZoneInfo(zone)
        self.targets = targets or {}

    def began_before(self, day: date, limit: datetime) -> bool:
        return day_start(day, self.zone) < limit

    def figures(self, period: Period, asof: AsOf, keep: Callable[[Deal], bool]) -> Figures:
        end = day_start(period.after, self.zone)
        t_star = min(asof.moment, end)
        closed = open_ = pipegen = commit = Decimal(0)
        for deal in self.deals:
            if not keep(deal):
                continue
            state = deal.state_at(asof)
            if state is None:
                continue
            amount = state.amount or Decimal(0)
            in_period = period.first <= state.close < period.after
            to_date = state.close >= period.first and self.began_before(state.close, t_star)
            if state.stage == WON and to_date:
                closed += amount
            if state.stage not in (WON, LOST) and in_period:
                open_ += amount
                if state.category == "Commit":
                    commit += amount
            created_day = deal.created.astimezone(self.zone).date()
            if created_day >= period.first and self.began_before(created_day, t_star):
                pipegen += amount
        return Figures(closed, open_, pipegen, commit)

    def elapsed(self, period: Period, asof: AsOf) -> Decimal:
        start, end = day_start(period.first, self.zone), day_start(period.after, self.zone)
        gone = (min(asof.moment, end) - start).total_seconds() / (end - start).total_seconds()
        return Decimal(str(max(0.0, min(1.0, gone))))

    def target(self, period: Period, dimension: str, value: str, metric: str) -> Decimal | None:
        return self.targets.get((period.label, dimension, value, metric))

    def row(self, period_label: str, asof_text: str, dimension: str, value: str) -> dict[str, Any]:
        """One APM row (`value="total"` with `dimension="total"` for the total row), in
        SPEC section 8's JSON forms."""
        period, asof = parse_period(period_label), parse_asof(asof_text, self.zone)
        prior_period, prior_asof = period_before(period), year_earlier(asof, self.zone)
        keep: Callable[[Deal], bool] = (
            (lambda _deal: True)
            if dimension == "total"
            else (lambda deal: deal.dimensions[dimension] == value)
        )
        now = self.figures(period, asof, keep)
        then = self.figures(prior_period, prior_asof, keep)
        closed_target = self.target(period, dimension, value, "closed")
        pipegen_target = self.target(period, dimension, value, "pipegen")
        e = self.elapsed(period, asof)
        coverage = _coverage(now.open, now.closed, closed_target)
        prior_coverage = _coverage(
            then.open, then.closed, self.target(prior_period, dimension, value, "closed")
        )
        open_yoy = _yoy(now.open, then.open)
        return {
            "value": value,
            "forecast": _money_cell(
                now.forecast,
                then.forecast,
                closed_target,
                _ratio_colour(now.forecast, closed_target),
            ),
            "closed": _money_cell(
                now.closed, then.closed, closed_target, _pacing_colour(now.closed, closed_target, e)
            ),
            "open": _money_cell(now.open, then.open, None, _open_colour(open_yoy)),
            "pipegen": _money_cell(
                now.pipegen,
                then.pipegen,
                pipegen_target,
                _pacing_colour(now.pipegen, pipegen_target, e),
            ),
            "coverage": {
                "value": _coverage_json(coverage),
                "prior": _coverage_json(prior_coverage),
                "yoy": _coverage_change(coverage, prior_coverage),
                "target": None,
                "color": _coverage_colour(coverage),
            },
        }

    def coverage(self, period_label: str, asof_text: str) -> dict[str, Any]:
        """`council coverage --json` for the total."""
        period, asof = parse_period(period_label), parse_asof(asof_text, self.zone)
        now = self.figures(period, asof, lambda _deal: True)
        target = self.target(period, "total", "total", "closed")
        coverage = _coverage(now.open, now.closed, target)
        return {
            "open": money(now.open),
            "closed": money(now.closed),
            "target": None if target is None else money(target),
            "remaining": None if target is None else money(target - now.closed),
            "coverage": _coverage_json(coverage),
            "color": _coverage_colour(coverage),
        }

    def values(self, dimension: str) -> list[str]:
        return sorted({deal.dimensions[dimension] for deal in self.deals})


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


Coverage = Decimal | str  # a ratio, or "met" / "n/a"


def _coverage(open_: Decimal, closed: Decimal, target: Decimal | None) -> Coverage:
    if target is None:
        return "n/a"
    remaining = target - closed
    return "met" if remaining <= 0 else open_ / remaining


def _coverage_json(coverage: Coverage) -> float | str:
    if isinstance(coverage, str):
        return coverage
    return float(coverage.quantize(CENT, rounding=ROUND_HALF_UP))


def _coverage_change(now: Coverage, then: Coverage) -> float | None:
    if isinstance(now, str) or isinstance(then, str):
        return None
    return float(now - then)


def _yoy(now: Decimal, then: Decimal) -> Decimal | None:
    return None if then == 0 else (now - then) / then


def _money_cell(
    now: Decimal, then: Decimal, target: Decimal | None, colour: str | None
) -> dict[str, Any]:
    change = _yoy(now, then)
    return {
        "value": money(now),
        "prior": money(then),
        "yoy": None if change is None else float(change),
        "target": None if target is None else money(target),
        "color": colour,
    }


def _pacing_colour(value: Decimal, target: Decimal | None, elapsed: Decimal) -> str | None:
    if target is None or target <= 0:
        return None
    attainment = value / target
    if attainment >= elapsed:
        return "green"
    return "yellow" if attainment >= elapsed - PACING_GAP else "red"


def _ratio_colour(value: Decimal, target: Decimal | None) -> str | None:
    if target is None or target <= 0:
        return None
    ratio = value / target
    if ratio >= FORECAST_GREEN:
        return "green"
    return "yellow" if ratio >= FORECAST_YELLOW else "red"


def _coverage_colour(coverage: Coverage) -> str | None:
    if coverage == "n/a":
        return None
    if coverage == "met":
        return "green"
    assert isinstance(coverage, Decimal)
    if coverage >= COVERAGE_GREEN:
        return "green"
    return "yellow" if coverage >= COVERAGE_YELLOW else "red"


def _open_colour(change: Decimal | None) -> str | None:
    if change is None:
        return None
    if change >= 0:
        return "green"
    return "yellow" if change >= OPEN_YOY_YELLOW else "red"


def read_targets(path: Path) -> dict[tuple[str, str, str, str], Decimal]:
    """`period,dimension,value,metric,amount` as `council import targets` reads it."""
    targets: dict[tuple[str, str, str, str], Decimal] = {}
    for row in _rows(path):
        value = "total" if row["dimension"] == "total" else row["value"]
        key = (row["period"], row["dimension"], value, row["metric"])
        targets[key] = Decimal(row["amount"])
    return targets


# ---- comparing with `council apm --json` ------------------------------------------------

# Which fields of a cell SPEC defines; `target` of open and coverage it leaves open.
COMPARED = {
    "forecast": ("value", "prior", "yoy", "target", "color"),
    "closed": ("value", "prior", "yoy", "target", "color"),
    "open": ("value", "prior", "yoy", "color"),
    "pipegen": ("value", "prior", "yoy", "target", "color"),
    "coverage": ("value", "prior", "yoy", "color"),
}
# yoy is a fraction shown to four places; a change of coverage may be taken exactly or
# between the two shown two-decimal figures, which can differ by up to 0.01x.
TOLERANCE = {"yoy": 0.00006, "coverage.yoy": 0.0101}


@dataclass(frozen=True)
class Mismatch:
    period: str
    asof: str
    dimension: str
    value: str
    column: str
    expected: Any
    got: Any


def same(column: str, expected: Any, got: Any) -> bool:
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        tolerance = TOLERANCE.get(column, TOLERANCE.get(column.split(".")[-1], 0.0))
        return abs(expected - got) <= tolerance + 1e-9
    return bool(expected == got)


def compare_row(
    expected: dict[str, Any], got: dict[str, Any] | None, where: tuple[str, str, str]
) -> tuple[int, list[Mismatch]]:
    """(cells compared, the ones that differ) for one row."""
    period, asof, dimension = where
    compared, differing = 0, []
    for metric, fields in COMPARED.items():
        for name in fields:
            compared += 1
            want = expected[metric][name]
            have = "(no row)" if got is None else got.get(metric, {}).get(name, "(missing)")
            column = f"{metric}.{name}"
            if not same(column, want, have):
                differing.append(
                    Mismatch(period, asof, dimension, expected["value"], column, want, have)
                )
    return compared, differing


def is_empty(row: dict[str, Any]) -> bool:
    return all(
        row[m]["value"] in ("0.00", "n/a") and row[m]["prior"] in ("0.00", "n/a") for m in COMPARED
    )


def compare_apm(
    oracle: Oracle, period: str, asof: str, dimension: str, data: dict[str, Any]
) -> tuple[int, list[Mismatch]]:
    """Every cell of one `council apm --json` answer against the oracle."""
    compared, differing = 1, []
    moment = parse_asof(asof, oracle.zone)
    expected_moment = moment.moment
    got_moment = parse_timestamp(data.get("as_of") or "1970-01-01T00:00:00+00:00")
    # The end of a date may be shown as the next midnight or as the day's last microsecond.
    ends = {expected_moment} | ({expected_moment - END_OF_DAY} if not moment.inclusive else set())
    if got_moment not in ends:
        differing.append(
            Mismatch(
                period,
                asof,
                dimension,
                "-",
                "as_of",
                expected_moment.isoformat(),
                data.get("as_of"),
            )
        )
    rows = {row["value"]: row for row in data.get("rows", [])}
    for value in sorted(set(rows) | set(oracle.values(dimension))):
        expected = oracle.row(period, asof, dimension, value)
        if value not in rows and is_empty(expected):
            continue  # a value with nothing in it may be left out
        count, found = compare_row(expected, rows.get(value), (period, asof, dimension))
        compared, differing = compared + count, differing + found
    total = oracle.row(period, asof, "total", "total")
    total["value"] = "total"
    count, found = compare_row(total, data.get("total"), (period, asof, dimension))
    return compared + count, differing + found


def compare_coverage(
    oracle: Oracle, period: str, asof: str, data: dict[str, Any]
) -> tuple[int, list[Mismatch]]:
    expected = oracle.coverage(period, asof)
    differing = [
        Mismatch(
            period,
            asof,
            "total",
            "total",
            f"coverage --json: {name}",
            want,
            data.get(name, "(missing)"),
        )
        for name, want in expected.items()
        if not same(f"coverage.{name}", want, data.get(name, "(missing)"))
    ]
    return len(expected), differing


def table(mismatches: Iterable[Mismatch], limit: int = 400) -> str:
    """The differing cells, one line each, for the developer fixing them."""
    header = ("period", "as-of", "dimension", "value", "column", "expected", "got")
    lines = [header] + [
        (m.period, m.asof, m.dimension, m.value, m.column, repr(m.expected), repr(m.got))
        for m in mismatches
    ]
    shown = lines[: limit + 1]
    widths = [max(len(str(line[i])) for line in shown) for i in range(len(header))]
    text = "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in shown
    )
    if len(lines) > len(shown):
        text += f"\n... and {len(lines) - len(shown)} more"
    return text
