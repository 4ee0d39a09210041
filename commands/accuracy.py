"""Forecast accuracy (SPEC section 9): each week's snapshot of a call against what the
period finally closed, and a person's bias over the last four quarters."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.deals.fields import find_person
from commands.fiscal import Period, quarter_containing, shift_quarters
from commands.metrics import NONE_LABEL
from commands.periods import place
from commands.permissions import acts_for, is_manager
from commands.results import CommandError, Duplicate, Help, Problem, Refused, Stop
from commands.unit import Unit, run_unit
from commands.workspace import local_today
from store import people
from store import snapshots as store_snapshots
from store.metrics import sums_as_of
from store.models import ForecastSnapshot, Person, Workspace

BOOK = "owner"
TOTAL = "total"
EXAMPLE = "/forecast accuracy team"
# Bias looks back this many ended quarters (SPEC: "the last four quarters").
BIAS_QUARTERS = 4
# The weeks a one-line summary shows: a 13-week quarter's first, middle and last.
KEY_WEEKS = (1, 7, 13)
FOUR = Decimal("0.0001")


def accuracy_help() -> str:
    """*Forecast accuracy.* Every week at the council's digest time each forecast call and
    the calculated forecast are snapshotted; once a quarter has ended, accuracy at week w is
    what the cell finally closed / what was forecast in week w (100% is a perfect call;
    green within 90-110%, yellow within 80-120%, red outside). Bias is the mean of
    (forecast - final) / final over the last four quarters at the same week: above zero
    calls too high, below zero sandbags.

    `/forecast accuracy` shows your calls; `/forecast accuracy team` (managers) a line per
    person of your team; `/forecast accuracy @jo` one person (yourself, your team, or
    anyone for admins); `/forecast accuracy total` the total's calls.
    """
    return inspect.cleandoc(accuracy_help.__doc__ or "")


@dataclass(frozen=True)
class WeekFigures:
    """One week's snapshot of a cell and how far the period's final closed was from it."""

    week: int
    call: Decimal | None
    call_accuracy: Decimal | None
    calculated: Decimal
    calculated_accuracy: Decimal | None


@dataclass(frozen=True)
class PeriodFigures:
    period: str
    final: Decimal
    weeks: list[WeekFigures]

    def week(self, number: int) -> WeekFigures | None:
        return next((w for w in self.weeks if w.week == number), None)


@dataclass(frozen=True)
class Bias:
    """Mean of (snapshot - final) / final at one week over the ended quarters that have a
    snapshot then (and a final above zero); `periods` counts those of the call."""

    week: int
    call: Decimal | None
    calculated: Decimal | None
    periods: int


@dataclass(frozen=True)
class CellAccuracy:
    label: str
    periods: list[PeriodFigures]  # ended quarters with snapshots, newest first
    bias: list[Bias]

    def bias_at(self, week: int) -> Bias | None:
        return next((b for b in self.bias if b.week == week), None)


@dataclass(frozen=True)
class AccuracyReport:
    """`/forecast accuracy`: one cell week by week, or (`team`) one line per person."""

    title: str
    currency: str
    cells: list[CellAccuracy]
    team: bool = False


AccuracyResult = AccuracyReport | Help | Stop | Duplicate


def ratio(final: Decimal, forecast: Decimal | None) -> Decimal | None:
    """Accuracy: final / forecast; None (`n/a`) without a forecast or when it is zero."""
    if forecast is None or forecast == 0:
        return None
    return (final / forecast).quantize(FOUR, rounding=ROUND_HALF_UP)


def accuracy_color(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if Decimal("0.9") <= value <= Decimal("1.1"):
        return "green"
    if Decimal("0.8") <= value <= Decimal("1.2"):
        return "yellow"
    return "red"


def ended_periods(workspace: Workspace, today: date) -> list[Period]:
    """The last BIAS_QUARTERS quarters before the current one, newest first."""
    current = quarter_containing(today, workspace.fiscal_year_start_month)
    start = workspace.fiscal_year_start_month
    return [shift_quarters(current, -n, start) for n in range(1, BIAS_QUARTERS + 1)]


def _finals(
    session: Session,
    workspace: Workspace,
    period: Period,
    now: datetime,
    cells: list[tuple[str, str]],
) -> dict[tuple[str, str], Decimal]:
    """Each cell's closed ACV of the period as of now: its final, once the period ended."""
    window = place(period, now, ZoneInfo(workspace.timezone)).window
    finals: dict[tuple[str, str], Decimal] = {}
    by_grouping: dict[str | None, dict[object, Decimal]] = {}

    def closed(grouping: str | None) -> dict[object, Decimal]:
        if grouping not in by_grouping:
            sums = sums_as_of(session, workspace.id, grouping, now, window)
            by_grouping[grouping] = {k: s.closed for k, s in sums.items()}
        return by_grouping[grouping]

    zero = Decimal("0.00")
    for dimension, value in cells:
        if dimension == BOOK:
            owners = {int(value)} | people.team_ids(session, workspace.id, int(value))
            finals[(dimension, value)] = sum((closed(BOOK).get(o, zero) for o in owners), zero)
        elif dimension == TOTAL:
            finals[(dimension, value)] = closed(None).get(None, zero)
        else:
            key = None if value == NONE_LABEL else value
            finals[(dimension, value)] = closed(dimension).get(key, zero)
    return finals


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(FOUR, rounding=ROUND_HALF_UP)


def cell_accuracy(
    session: Session,
    workspace: Workspace,
    now: datetime,
    cells: list[tuple[str, str, str]],
) -> list[CellAccuracy]:
    """Accuracy and bias of each (dimension, value, label) over the ended quarters."""
    periods = ended_periods(workspace, local_today(workspace, now))
    keys = [(d, v) for d, v, _ in cells]
    rows = store_snapshots.snapshots_of(session, workspace.id, [p.label for p in periods], keys)
    by_cell: dict[tuple[str, str, str], list[ForecastSnapshot]] = {}
    for row in rows:
        by_cell.setdefault((row.dimension, row.value, row.period), []).append(row)
    # Only quarters with snapshots need their finals (most App Home opens have none).
    snapped = {row.period for row in rows}
    finals = {
        p.label: _finals(session, workspace, p, now, keys) for p in periods if p.label in snapped
    }
    found = []
    for dimension, value, label in cells:
        figures = []
        for period in periods:
            taken = by_cell.get((dimension, value, period.label), [])
            if not taken:
                continue
            final = finals[period.label][(dimension, value)]
            weeks = [
                WeekFigures(
                    s.week, s.call, ratio(final, s.call), s.calculated, ratio(final, s.calculated)
                )
                for s in taken
            ]
            figures.append(PeriodFigures(period.label, final, weeks))
        found.append(CellAccuracy(label, figures, _bias(figures)))
    return found


def _bias(figures: list[PeriodFigures]) -> list[Bias]:
    weeks = sorted({w.week for p in figures for w in p.weeks})
    biases = []
    for number in weeks:
        calls: list[Decimal] = []
        calculated: list[Decimal] = []
        for period in figures:
            week = period.week(number)
            if week is None or period.final == 0:
                continue
            if week.call is not None:
                calls.append((week.call - period.final) / period.final)
            calculated.append((week.calculated - period.final) / period.final)
        biases.append(Bias(number, _mean(calls), _mean(calculated), len(calls)))
    return biases


def run(env: Env, actor: Actor, words: list[str]) -> AccuracyResult:
    """`/forecast accuracy [person|team|total]`: what was forecast against what closed."""
    if words and words[0].lower() == "help":
        return Help("/forecast accuracy", accuracy_help())

    def work(unit: Unit) -> AccuracyReport:
        session, now = unit.session, unit.now
        me, workspace = unit.member()
        symbol = workspace.currency_symbol
        text = " ".join(words).strip()
        if not text:
            cells = cell_accuracy(session, workspace, now, [(BOOK, str(me.id), "Your calls")])
            return AccuracyReport("Your forecast accuracy", symbol, cells)
        if text.lower() == TOTAL:
            cells = cell_accuracy(session, workspace, now, [(TOTAL, "", "Total")])
            return AccuracyReport("Forecast accuracy of the total", symbol, cells)
        if text.lower() == "team":
            return _team(session, workspace, me, now)
        person = _person(session, workspace, me, text, now)
        cell = (BOOK, str(person.id), person.display_name)
        cells = cell_accuracy(session, workspace, now, [cell])
        return AccuracyReport(f"Forecast accuracy of {person.display_name}", symbol, cells)

    return run_unit(env, actor, work)


def _team(session: Session, workspace: Workspace, me: Person, now: datetime) -> AccuracyReport:
    if not is_manager(me):
        raise CommandError(
            Refused(
                "Only managers and admins see a team's forecast accuracy; "
                "`/forecast accuracy` shows yours.",
                who_can="managers and admins",
            )
        )
    everyone = {p.id: p for p in people.list_people(session, workspace.id)}
    team = sorted(
        people.team_ids(session, workspace.id, me.id), key=lambda i: everyone[i].display_name
    )
    cells = [(BOOK, str(me.id), f"{me.display_name} (team)")]
    cells += [(BOOK, str(i), everyone[i].display_name) for i in team]
    return AccuracyReport(
        "Your team's forecast accuracy",
        workspace.currency_symbol,
        cell_accuracy(session, workspace, now, cells),
        team=True,
    )


def _person(session: Session, workspace: Workspace, me: Person, text: str, now: datetime) -> Person:
    found = find_person(session, workspace.id, text)
    if found is None:
        raise CommandError(
            Problem(
                f"I know nobody called `{text}`: name a person (`@jo`), `team` or `total`.",
                example=EXAMPLE,
            )
        )
    if isinstance(found, list):
        names = ", ".join(p.display_name for p in found[:10])
        raise CommandError(
            Problem(f"`{text}` could be {names}: mention one (`@name`).", example=EXAMPLE)
        )
    if not acts_for(session, me, found.id):
        raise CommandError(
            Refused(
                f"You see your own forecast accuracy and your team's, not {found.display_name}'s.",
                who_can="their manager or an admin",
            )
        )
    return found


@dataclass(frozen=True)
class AccuracyLine:
    """The one line the App Home and the digest show: a cell's newest ended quarter."""

    label: str
    currency: str
    cell: CellAccuracy


def newest_line(
    session: Session, workspace: Workspace, now: datetime, dimension: str, value: str, label: str
) -> AccuracyLine | None:
    """The line for a cell, or None before any ended quarter has a snapshot."""
    cell = cell_accuracy(session, workspace, now, [(dimension, value, label)])[0]
    if not cell.periods:
        return None
    return AccuracyLine(label, workspace.currency_symbol, cell)
