"""The /forecast family: forecast calls beside the calculated forecast, and the forecast
questions."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands import accuracy, checklist
from commands.accuracy import BOOK, TOTAL
from commands.context import Actor, Env
from commands.fiscal import Period
from commands.formatting import money
from commands.metrics import NONE_LABEL
from commands.parsing import ParseError, match_known_value, parse_amount
from commands.periods import parse_period, place
from commands.permissions import is_manager
from commands.results import CommandError, Duplicate, Help, Problem, Refused, Stop, read_words
from commands.unit import Unit, run_unit
from commands.workspace import DIMENSIONS, local_today
from store import forecasts as store_forecasts
from store import people, workspaces
from store.metrics import sums_as_of
from store.models import ForecastCall, Person, Workspace
from store.snapshots import Taken

EXAMPLE = "/forecast region EMEA 250k"


def forecast_help() -> str:
    """*Forecast calls and forecast questions.*

    `/forecast` shows your call for this quarter beside the calculated forecast (closed
    plus Commit) of your deals (a manager's: their team's), your team's calls, and every
    cell you have called. Add a period to see another: `/forecast next`.
    `/forecast 250k` calls your own number; `/forecast next 300k` for next quarter.
    `/forecast region EMEA 1.2M` (managers and admins) calls an APM cell: the call
    replaces the calculated forecast in the APM and the digest, which keep the calculated
    value beside it. `/forecast total 4M` calls the total.
    `/forecast region EMEA` shows a cell's calls with who and when;
    `/forecast region EMEA clear` withdraws the call, back to the calculated value.
    `/forecast questions` lists your Commit and Best Case deals closing this quarter with
    the forecast questions to tick; `/forecast questions team` shows a manager their
    team's answers and gaps.
    `/forecast accuracy [@person|team|total]` compares each week's past calls with what
    the quarter finally closed, and shows the bias over the last four quarters.
    """
    return inspect.cleandoc(forecast_help.__doc__ or "")


@dataclass(frozen=True)
class CallEntry:
    amount: Decimal | None  # None: the call was withdrawn
    by: str
    at: datetime


@dataclass(frozen=True)
class CallLine:
    """One cell: its calculated forecast, the call in force and the calls before it."""

    label: str
    calculated: Decimal
    call: CallEntry | None
    overrides: bool
    history: list[CallEntry] = field(default_factory=list)


@dataclass(frozen=True)
class ForecastBoard:
    period: str
    as_of: datetime
    currency: str
    lines: list[CallLine]
    saved: str = ""
    detailed: bool = False


@dataclass(frozen=True)
class _Cell:
    """What a call is about: a person's book (`owner`, their id), an APM cell or the total."""

    dimension: str
    value: str


@dataclass(frozen=True)
class _Request:
    period_text: str | None
    cell: _Cell | None  # None: my own book
    amount: Decimal | None
    clear: bool


ForecastResult = (
    ForecastBoard
    | checklist.Checklist
    | checklist.ChecklistSummary
    | accuracy.AccuracyReport
    | Help
    | Stop
    | Duplicate
)


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> ForecastResult:
    """Carry out what someone typed after `/forecast`; `key` makes a redelivery harmless."""
    words = read_words(text, EXAMPLE)
    if isinstance(words, Problem):
        return words
    first = words[0].lower() if words else ""
    if first == "help":
        return Help("/forecast", forecast_help())
    if first == "questions":
        return checklist.show(env, actor, [w.lower() for w in words[1:]])
    if first == "accuracy":
        return accuracy.run(env, actor, words[1:])

    def work(unit: Unit) -> ForecastBoard:
        session, now = unit.session, unit.now
        me, workspace = unit.member()
        request = _read(session, workspace, words, local_today(workspace, now))
        period = _period(workspace, request.period_text, now)
        cell = request.cell or _Cell(BOOK, str(me.id))
        if request.amount is None and not request.clear:
            if request.cell is None:
                return board(session, workspace, me, period, now)
            return _detail(_Ledger(session, workspace, me, period, now), cell)
        return _call(session, workspace, me, period, cell, request, now, actor.via)

    return run_unit(env, actor, work, key=key)


def _read(session: Session, workspace: Workspace, words: list[str], today: date) -> _Request:
    words = list(words)
    amount: Decimal | None = None
    clear = False
    if words and words[-1].lower() in ("clear", "withdraw"):
        clear = True
        words.pop()
    elif words:
        try:
            amount = parse_amount(words[-1])
            words.pop()
        except ParseError as error:
            if words[-1][:1] in "-−(":
                raise CommandError(Problem(f"{error}.", example=EXAMPLE)) from None
    period_text = None
    for index in (0, -1):
        if words and _is_period(words[index], workspace, today):
            period_text = words.pop(index)
            break
    if words and "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        words[:0] = [key, value]
    if not words:
        if clear:
            raise CommandError(
                Problem("Withdraw which cell's call?", example=f"{EXAMPLE[:-5]} clear")
            )
        return _Request(period_text, None, amount, clear)
    kind = words[0].lower()
    if kind == TOTAL and len(words) == 1:
        return _Request(period_text, _Cell(TOTAL, ""), amount, clear)
    if kind not in DIMENSIONS:
        raise CommandError(
            Problem(
                f"I could not read `{' '.join(words)}`: a call names `total` or a dimension "
                f"({', '.join(DIMENSIONS)}) and its value, then an amount.",
                example=EXAMPLE,
            )
        )
    if len(words) != 2:
        raise CommandError(
            Problem(
                f"Which {kind}? Give one value (quote one with spaces).",
                example=f'/forecast {kind} "North America" 250k',
            )
        )
    return _Request(
        period_text, _Cell(kind, _known_value(session, workspace, kind, words[1])), amount, clear
    )


def _is_period(word: str, workspace: Workspace, today: date) -> bool:
    try:
        parse_period(word, today, workspace.fiscal_year_start_month)
    except ParseError:
        return False
    return True


def _known_value(session: Session, workspace: Workspace, dimension: str, text: str) -> str:
    if text == NONE_LABEL:
        return text
    known = workspaces.list_dimension_values(session, workspace.id, dimension)
    match = match_known_value(text, known)
    if isinstance(match, list) or match.how == "new":
        listed = ", ".join(known) or "none yet"
        raise CommandError(
            Problem(f"`{text}` is not a known {dimension}. Known: {listed}", example=EXAMPLE)
        )
    return match.value


def _period(workspace: Workspace, text: str | None, now: datetime) -> Period:
    try:
        return parse_period(text, local_today(workspace, now), workspace.fiscal_year_start_month)
    except ParseError as error:
        raise CommandError(Problem(str(error), example="/forecast next 300k")) from None


def _call(
    session: Session,
    workspace: Workspace,
    me: Person,
    period: Period,
    cell: _Cell,
    request: _Request,
    now: datetime,
    via: str,
) -> ForecastBoard:
    if cell.dimension != BOOK and not is_manager(me):
        managers = [
            p.display_name for p in people.list_people(session, workspace.id) if is_manager(p)
        ]
        raise CommandError(
            Refused(
                "Only managers and admins call an APM cell's forecast; call your own number "
                "with `/forecast 250k`.",
                who_can=", ".join(managers) or "a manager or an admin",
            )
        )
    if request.clear:
        before = _Ledger(session, workspace, me, period, now)
        if before.in_force(cell) is None:
            label = before.label(cell)
            raise CommandError(Problem(f"There is no call in force for {label} in {period.label}."))
    store_forecasts.add_call(
        session,
        workspace.id,
        period=period.label,
        dimension=cell.dimension,
        value=cell.value,
        amount=request.amount,
        overrides=cell.dimension != BOOK,
        called_by_id=me.id,
        called_at=now,
        via=via,
    )
    board = _detail(_Ledger(session, workspace, me, period, now), cell)
    line = board.lines[0]
    symbol = workspace.currency_symbol
    if request.clear:
        saved = (
            f"Withdrew the call for {line.label} in {period.label}: the forecast is the "
            f"calculated {money(line.calculated, symbol)} again."
        )
    elif cell.dimension == BOOK:
        saved = (
            f"Called {money(request.amount, symbol)} for {line.label.lower()} in "
            f"{period.label} (calculated {money(line.calculated, symbol)})."
        )
    else:
        saved = (
            f"Called {line.label} at {money(request.amount, symbol)} for {period.label}: it "
            f"replaces the calculated {money(line.calculated, symbol)} in the APM and the digest."
        )
    return ForecastBoard(board.period, board.as_of, board.currency, board.lines, saved, True)


class _Ledger:
    """A period's calls, people and calculated forecasts, each read once, from which any
    number of lines are built (a manager of hundreds gets one query per kind, not per rep)."""

    def __init__(
        self, session: Session, workspace: Workspace, me: Person, period: Period, now: datetime
    ) -> None:
        self.session, self.workspace, self.me, self.period, self.now = (
            session,
            workspace,
            me,
            period,
            now,
        )
        self.people = {p.id: p for p in people.list_people(session, workspace.id)}
        self.reports: dict[int, list[int]] = {}
        for person in self.people.values():
            if person.manager_id is not None:
                self.reports.setdefault(person.manager_id, []).append(person.id)
        self.calls: dict[tuple[str, str], list[ForecastCall]] = {}
        kinds = (BOOK, *DIMENSIONS, TOTAL)
        for call in store_forecasts.calls_for(session, workspace.id, period.label, kinds):
            self.calls.setdefault((call.dimension, call.value), []).append(call)
        self._calculated: dict[str, dict[object, Decimal]] = {}

    def team(self, person_id: int) -> set[int]:
        """Everyone below a manager; nobody for a rep."""
        person = self.people.get(person_id)
        if person is None or not is_manager(person):
            return set()
        return people.team_of(self.reports, person_id)

    def name(self, person_id: int) -> str:
        person = self.people.get(person_id)
        return person.display_name if person else "someone"

    def label(self, cell: _Cell) -> str:
        if cell.dimension == BOOK:
            if cell.value == str(self.me.id):
                return "Your team's deals" if self.team(self.me.id) else "Your deals"
            return self.name(int(cell.value))
        return TOTAL if cell.dimension == TOTAL else f"{cell.dimension} {cell.value}"

    def calculated(self, cell: _Cell) -> Decimal:
        """Closed plus Commit for the cell now: for a book, over its owner and team."""
        if cell.dimension not in self._calculated:
            window = place(self.period, self.now, ZoneInfo(self.workspace.timezone)).window
            grouping = None if cell.dimension == TOTAL else cell.dimension
            sums = sums_as_of(self.session, self.workspace.id, grouping, self.now, window)
            self._calculated[cell.dimension] = {k: s.closed + s.commit for k, s in sums.items()}
        values = self._calculated[cell.dimension]
        if cell.dimension == BOOK:
            owners = {int(cell.value)} | self.team(int(cell.value))
            keys: list[object] = list(owners)
        elif cell.dimension == TOTAL:
            keys = [None]
        else:
            keys = [None if cell.value == NONE_LABEL else cell.value]
        return sum((values.get(k, Decimal("0.00")) for k in keys), Decimal("0.00"))

    def entry(self, call: ForecastCall) -> CallEntry:
        return CallEntry(call.amount, self.name(call.called_by_id), call.called_at)

    def in_force(self, cell: _Cell) -> ForecastCall | None:
        calls = self.calls.get((cell.dimension, cell.value), [])
        return calls[-1] if calls and calls[-1].amount is not None else None

    def line(self, cell: _Cell) -> CallLine:
        current = self.in_force(cell)
        return CallLine(
            self.label(cell),
            self.calculated(cell),
            self.entry(current) if current else None,
            cell.dimension != BOOK,
            [self.entry(c) for c in reversed(self.calls.get((cell.dimension, cell.value), []))],
        )


def _detail(ledger: _Ledger, cell: _Cell) -> ForecastBoard:
    return ForecastBoard(
        ledger.period.label,
        ledger.now,
        ledger.workspace.currency_symbol,
        [ledger.line(cell)],
        detailed=True,
    )


def board(
    session: Session, workspace: Workspace, me: Person, period: Period, now: datetime
) -> ForecastBoard:
    """My book, my team's books (managers), and every cell I have called this period."""
    ledger = _Ledger(session, workspace, me, period, now)
    team = sorted(ledger.team(me.id), key=ledger.name)
    cells = [_Cell(BOOK, str(person_id)) for person_id in [me.id, *team]]
    called = {
        key
        for key, calls in ledger.calls.items()
        if key[0] != BOOK and any(c.called_by_id == me.id for c in calls)
    }
    cells += [_Cell(dimension, value) for dimension, value in sorted(called)]
    return ForecastBoard(
        period.label, now, workspace.currency_symbol, [ledger.line(c) for c in cells]
    )


def snapshot_cells(
    session: Session, workspace: Workspace, period: Period, now: datetime
) -> list[Taken]:
    """What a weekly snapshot records: every person's book (their team's, for a manager),
    the total, and every APM cell someone has called this period, each with the call in
    force (None without one) and the calculated forecast."""
    everyone = people.list_people(session, workspace.id)
    if not everyone:
        return []
    ledger = _Ledger(session, workspace, everyone[0], period, now)
    cells = [_Cell(BOOK, str(p.id)) for p in everyone] + [_Cell(TOTAL, "")]
    cells += [_Cell(d, v) for d, v in sorted(ledger.calls) if d not in (BOOK, TOTAL)]
    taken = []
    for cell in cells:
        call = ledger.in_force(cell)
        amount = call.amount if call is not None else None
        taken.append(Taken(cell.dimension, cell.value, amount, ledger.calculated(cell)))
    return taken
