"""The APM's sums, computed in the database from every deal's state as of one moment."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from store.deals import valid_at
from store.models import DECIDED, Campaign, DealVersion
from store.types import Money

ZERO = Decimal("0.00")
DIMENSION_COLUMNS = {
    "product": DealVersion.product,
    "region": DealVersion.region,
    "segment": DealVersion.segment,
    "source": DealVersion.source,
}
# A deal's campaign and its type, read from the campaign each version carries: APM
# dimensions that no deal column holds.
CAMPAIGN_COLUMNS: dict[str, Any] = {
    "campaign": select(Campaign.name)
    .where(Campaign.id == DealVersion.campaign_id)
    .correlate(DealVersion)
    .scalar_subquery(),
    "campaign_type": select(Campaign.type)
    .where(Campaign.id == DealVersion.campaign_id)
    .correlate(DealVersion)
    .scalar_subquery(),
}
# Marketing-sourced deals (SPEC section 9): source Marketing, or a campaign of their own.
MARKETING_SOURCED = case(
    (
        or_(func.lower(DealVersion.source) == "marketing", DealVersion.campaign_id.is_not(None)),
        "marketing",
    ),
    else_="other",
)
# Sums may also be grouped by owner, for a rep's (or a team's) own book, and by whether
# marketing sourced the deal.
GROUPINGS = {
    **DIMENSION_COLUMNS,
    **CAMPAIGN_COLUMNS,
    "owner": DealVersion.owner_id,
    "marketing": MARKETING_SOURCED,
}


@dataclass(frozen=True)
class Window:
    """A period `[start, end)` in dates, and `cutoff`: the first date not yet reached at the
    as-of moment (capped at `end`), so "dated in [start, t*)" is `start <= d < cutoff`."""

    start: date
    end: date
    cutoff: date


@dataclass(frozen=True)
class Sums:
    closed: Decimal = ZERO
    open: Decimal = ZERO
    pipegen: Decimal = ZERO
    commit: Decimal = ZERO

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.closed + other.closed,
            self.open + other.open,
            self.pipegen + other.pipegen,
            self.commit + other.commit,
        )


@dataclass(frozen=True)
class Decided:
    """Amounts won and lost."""

    won: Decimal = ZERO
    lost: Decimal = ZERO

    def __add__(self, other: Decided) -> Decided:
        return Decided(self.won + other.won, self.lost + other.lost)


def decided_by_dimensions(
    session: Session,
    workspace_id: str,
    dimensions: Sequence[str],
    at: datetime,
    start: date,
    end: date,
) -> dict[str, dict[str | None, Decided]]:
    """Won and lost amounts per value of each dimension, of the deals that (as they stood at
    `at`) closed with a close date in `[start, end)`: a win rate's evidence. One range of
    the decided deals' close-date index, read once."""
    found: dict[str, dict[str | None, Decided]] = {d: {} for d in dimensions}
    if not dimensions:
        return found
    v = DealVersion
    decided = (
        select(
            *(GROUPINGS[name].label(name) for name in dimensions),
            case((v.status == "won", v.amount), else_=0).label("won"),
            case((v.status == "lost", v.amount), else_=0).label("lost"),
        )
        .where(
            v.workspace_id == workspace_id,
            valid_at(at),
            v.close_date >= start,
            v.close_date < end,
            text(DECIDED),
        )
        .subquery("decided")
    )
    totals = [_money_total(decided.c.won), _money_total(decided.c.lost)]
    for dimension, key, (won, lost) in _grouped(session, decided, dimensions, totals):
        found[dimension][key] = Decided(won, lost)
    return found


def _grouped(
    session: Session, rows: Any, dimensions: Sequence[str], totals: Sequence[Any]
) -> Iterator[tuple[str, Any, list[Any]]]:
    """The `totals` (sums over `rows`) per value of each dimension in turn: (dimension,
    value, totals) for every value found.

    One GROUP BY over every dimension at once, rolled up per dimension here: a single
    pass the database hashes into a few hundred groups. Grouping each dimension in turn
    over a materialized copy of the rows took four times as long at 1M deals (0.41 s
    against 0.09 s for a year of decided deals), most of it writing and rereading the
    copy."""
    keys = [cast(rows.c[dimension], String) for dimension in dimensions]
    query = select(*keys, *totals).group_by(*keys)
    rolled: dict[str, dict[Any, list[Any]]] = {dimension: {} for dimension in dimensions}
    width = len(dimensions)
    for row in session.execute(query):
        group = row[width:]
        for dimension, value in zip(dimensions, row[:width], strict=True):
            found = rolled[dimension].get(value)
            if found is None:
                rolled[dimension][value] = list(group)
            else:
                for index, total in enumerate(group):
                    found[index] += total
    for dimension, values in rolled.items():
        for value, sums in values.items():
            # Grouped values come back as text (one column for every dimension); owners
            # are ids.
            key = int(value) if dimension == "owner" and value is not None else value
            yield dimension, key, sums


def _money_total(column: Any) -> Any:
    return type_coerce(func.coalesce(func.sum(column), 0), Money())


def _money_sum(condition: Any) -> Any:
    # Amounts are integer cents; summing them in SQL is exact, and Money turns the total
    # back into a Decimal.
    return type_coerce(func.coalesce(func.sum(case((condition, DealVersion.amount))), 0), Money())


def sums_as_of(
    session: Session, workspace_id: str, dimension: str | None, at: datetime, window: Window
) -> dict[Any, Sums]:
    """Closed, open, generated and committed amounts per value of `dimension` (or per
    owner id for `owner`; one group, keyed None, without a dimension), each deal taken as
    it stood at `at`."""
    v = DealVersion
    closes_in_period = and_(v.close_date >= window.start, v.close_date < window.end)
    closes_so_far = and_(v.close_date >= window.start, v.close_date < window.cutoff)
    created_so_far = and_(v.created_date >= window.start, v.created_date < window.cutoff)
    is_open = v.status == "open"
    columns = [
        _money_sum(and_(v.status == "won", closes_so_far)),
        _money_sum(and_(is_open, closes_in_period)),
        _money_sum(created_so_far),
        _money_sum(and_(is_open, closes_in_period, v.forecast_category == "Commit")),
    ]
    key = GROUPINGS[dimension] if dimension else None
    query = select(*([key] if key is not None else []), *columns).where(
        v.workspace_id == workspace_id, valid_at(at), or_(closes_in_period, created_so_far)
    )
    if key is not None:
        query = query.group_by(key)
    result: dict[Any, Sums] = {}
    for row in session.execute(query):
        values = list(row)
        group = values.pop(0) if key is not None else None
        result[group] = Sums(*values)
    return result


def _relevant(workspace_id: str, at: datetime, window: Window, dimensions: Sequence[str]) -> Any:
    """Each deal as it stood at `at`, if it closes in the period or was created in it so
    far, with its amount split into the four sums.

    Two disjoint branches, one per date index (closing in the period; created in it but
    closing outside it), so that each is a plain range scan of its index; on PostgreSQL
    the indexes carry every column used here, and the scans never touch the table."""
    v = DealVersion
    closes_in_period = and_(v.close_date >= window.start, v.close_date < window.end)
    closes_outside = or_(
        v.close_date.is_(None), v.close_date < window.start, v.close_date >= window.end
    )
    closes_so_far = and_(v.close_date >= window.start, v.close_date < window.cutoff)
    created_so_far = and_(v.created_date >= window.start, v.created_date < window.cutoff)
    is_open = v.status == "open"

    def part(condition: Any, name: str) -> Any:
        return case((condition, v.amount), else_=0).label(name)

    columns = (
        *(GROUPINGS[name].label(name) for name in dimensions),
        part(and_(v.status == "won", closes_so_far), "closed"),
        part(and_(is_open, closes_in_period), "open"),
        part(created_so_far, "pipegen"),
        part(and_(is_open, closes_in_period, v.forecast_category == "Commit"), "commit"),
    )
    in_force = and_(v.workspace_id == workspace_id, valid_at(at))
    return union_all(
        select(*columns).where(in_force, closes_in_period),
        select(*columns).where(in_force, created_so_far, closes_outside),
    )


def sums_by_dimensions(
    session: Session,
    workspace_id: str,
    dimensions: Sequence[str],
    at: datetime,
    window: Window,
) -> dict[str, dict[Any, Sums]]:
    """`sums_as_of` for several dimensions at once, from one pass over the versions: the
    deals in play are found once and grouped once."""
    if not dimensions:
        return {}
    relevant = _relevant(workspace_id, at, window, dimensions).subquery("relevant")
    result: dict[str, dict[Any, Sums]] = {dimension: {} for dimension in dimensions}
    totals = [_money_total(relevant.c[name]) for name in ("closed", "open", "pipegen", "commit")]
    for dimension, key, sums in _grouped(session, relevant, dimensions, totals):
        result[dimension][key] = Sums(*sums)
    return result


@dataclass(frozen=True)
class Movement:
    """How many deals moved one way, and the amount they moved."""

    count: int = 0
    amount: Decimal = ZERO


# What a deal's move needs of a version. On PostgreSQL the close-date index carries all
# of it (deal_id since migration 0015), so a cell's deal list reads the period's deals
# with index-only scans.
_MOVE_COLUMNS = ("deal_id", "close_date", "status", "amount", *DIMENSION_COLUMNS)


def _states_at(
    workspace_id: str,
    now: datetime,
    then: datetime,
    start: date,
    end: date,
    extra: Sequence[str] = (),
) -> Any:
    """Each deal in play as it stands at `now` (`cur`) and as it stood at `then` (`prev`).

    In play: closing in `[start, end)` at one moment or the other. Those closing in it at a
    moment are a range of the close-date index; only the few that moved in or out of the
    period during the week are looked up by deal for their state at the other moment, so
    a cell's deal list never reads the whole history. `extra` columns (a deal list's name,
    owner and stage) are read besides the index's own."""
    v = DealVersion
    names = (*_MOVE_COLUMNS, *extra)
    columns = [v.__table__.c[name] for name in names]
    # The period's range of the close-date index, read once for both moments.
    closing = (
        select(
            *columns,
            valid_at(now).label("at_now"),
            valid_at(then).label("at_then"),
        )
        .where(
            v.workspace_id == workspace_id,
            v.close_date >= start,
            v.close_date < end,
            or_(valid_at(now), valid_at(then)),
        )
        .cte("closing")
        .prefix_with("MATERIALIZED")
    )

    def closing_at(flag: str, name: str) -> Any:
        return select(*(closing.c[n] for n in names)).where(closing.c[flag]).cte(name)

    now_in, then_in = closing_at("at_now", "now_in"), closing_at("at_then", "then_in")

    def with_others(at: datetime, found: Any, other: Any, name: str) -> Any:
        moved = select(other.c.deal_id).except_(select(found.c.deal_id))
        others = select(*columns).where(
            v.workspace_id == workspace_id, valid_at(at), v.deal_id.in_(moved)
        )
        return union_all(select(found), others).subquery(name)

    return with_others(now, now_in, then_in, "cur"), with_others(then, then_in, now_in, "prev")


MOVES = ("new", "pulled_in", "pushed_out", "won", "lost", "grown", "shrunk")


def _move_kinds(cur: Any, prev: Any, start: date, end: date) -> dict[str, tuple[Any, Any]]:
    """Each move a deal of the period can make between `prev` (its version then) and `cur`
    (now): the condition, and the amount it moved. At most one holds for a deal."""
    cur_in = and_(cur.c.close_date >= start, cur.c.close_date < end)
    prev_in = and_(prev.c.close_date >= start, prev.c.close_date < end)
    cur_open, prev_open = cur.c.status == "open", prev.c.status == "open"
    existed = prev.c.deal_id.is_not(None)
    zero = func.coalesce(prev.c.amount, 0)
    return {
        "new": (and_(~existed, cur_open, cur_in), cur.c.amount),
        "pulled_in": (
            and_(existed, cur_open, cur_in, ~func.coalesce(prev_in, False)),
            cur.c.amount,
        ),
        "pushed_out": (
            and_(existed, prev_open, prev_in, cur_open, ~func.coalesce(cur_in, False)),
            prev.c.amount,
        ),
        "won": (and_(existed, prev_open, cur.c.status == "won", cur_in), cur.c.amount),
        "lost": (and_(existed, prev_open, prev_in, cur.c.status == "lost"), prev.c.amount),
        "grown": (
            and_(existed, prev_open, cur_open, prev_in, cur_in, cur.c.amount > zero),
            cur.c.amount - zero,
        ),
        "shrunk": (
            and_(existed, prev_open, cur_open, prev_in, cur_in, cur.c.amount < zero),
            zero - cur.c.amount,
        ),
    }


def _then_and_now(
    workspace_id: str,
    then: datetime,
    now: datetime,
    start: date,
    end: date,
    extra: Sequence[str] = (),
) -> tuple[Any, Any, Any]:
    """The period's deals as they stand now and as they stood then, joined, and whether
    either closes in the period."""
    cur, prev = _states_at(workspace_id, now, then, start, end, extra)
    return cur, prev, _either_in(cur, prev, start, end)


@dataclass(frozen=True)
class DealMove:
    """One deal of a period and how it moved between then and now (None: it did not)."""

    deal_id: int
    move: str | None


def deal_moves(
    session: Session,
    workspace_id: str,
    then: datetime,
    now: datetime,
    start: date,
    end: date,
    where: dict[str, str | None],
    owner_ids: Sequence[int] | None = None,
    stages: Sequence[str] | None = None,
) -> list[DealMove]:
    """The deals behind a cell: every deal that closes in `[start, end)` now or did then,
    whose dimensions (as it stands now) equal `where`, owned by one of `owner_ids` and in
    one of `stages` (None: any), biggest first, each with the same move
    `changes_by_dimensions` counts it under."""
    cur, prev, in_period = _then_and_now(
        workspace_id, then, now, start, end, ("name", "owner_id", "stage")
    )
    kinds = _move_kinds(cur, prev, start, end)
    move = case(*((condition, literal(kind)) for kind, (condition, _) in kinds.items()))
    conditions = [in_period]
    for dimension, value in where.items():
        column = cur.c[DIMENSION_COLUMNS[dimension].key]
        conditions.append(column.is_(None) if value is None else column == value)
    if owner_ids is not None:
        conditions.append(cur.c.owner_id.in_(owner_ids))
    if stages is not None:
        conditions.append(cur.c.stage.in_(stages))
    query = (
        select(cur.c.deal_id, move)
        .select_from(cur.outerjoin(prev, prev.c.deal_id == cur.c.deal_id))
        .where(*conditions)
        .order_by(func.coalesce(cur.c.amount, 0).desc(), cur.c.name, cur.c.deal_id)
    )
    return [DealMove(int(deal_id), kind) for deal_id, kind in session.execute(query)]


def changes_by_dimensions(
    session: Session,
    workspace_id: str,
    dimensions: Sequence[str],
    then: datetime,
    now: datetime,
    start: date,
    end: date,
) -> dict[str, dict[str | None, dict[str, Movement]]]:
    """Per dimension and value (as the deal stands now): the period's deals that are new
    since `then`, pulled into or pushed out of `[start, end)`, won, lost, grown or shrunk;
    only values with a move. Each deal's move is worked out once, and the moves grouped
    once."""
    if not dimensions:
        return {}
    cur, prev, in_period = _changed_since(workspace_id, then, now, start, end)
    kinds = _move_kinds(cur, prev, start, end)
    columns = []
    for kind, (condition, amount) in kinds.items():
        columns.append(case((condition, 1), else_=0).label(f"{kind}_count"))
        columns.append(case((condition, amount), else_=0).label(f"{kind}_amount"))
    moves = (
        select(*(cur.c[d].label(d) for d in DIMENSION_COLUMNS), *columns)
        .select_from(cur.outerjoin(prev, prev.c.deal_id == cur.c.deal_id))
        .where(in_period)
        .subquery("moves")
    )
    totals: list[ColumnElement[Any]] = []
    for kind in MOVES:
        totals.append(func.coalesce(func.sum(moves.c[f"{kind}_count"]), 0))
        totals.append(_money_total(moves.c[f"{kind}_amount"]))
    result: dict[str, dict[str | None, dict[str, Movement]]] = {d: {} for d in dimensions}
    for dimension, value, values in _grouped(session, moves, dimensions, totals):
        found = {
            kind: Movement(int(values[2 * i]), values[2 * i + 1]) for i, kind in enumerate(MOVES)
        }
        moved = {k: m for k, m in found.items() if m.count}
        if moved:
            result[dimension][value] = moved
    return result


def _either_in(cur: Any, prev: Any, start: date, end: date) -> Any:
    """Whether the deal closes in `[start, end)` now or did then."""
    cur_in = and_(cur.c.close_date >= start, cur.c.close_date < end)
    prev_in = and_(prev.c.close_date >= start, prev.c.close_date < end)
    return or_(cur_in, prev_in)


def _changed_since(
    workspace_id: str, then: datetime, now: datetime, start: date, end: date
) -> tuple[Any, Any, Any]:
    """Only the deals that changed since `then`, as they stand now and as they stood then,
    joined, and whether either closes in `[start, end)`.

    A deal whose version in force now was in force at `then` too made no move, so the
    week's moves are all among the versions begun after `then` (a range of the as-of
    index: the week's edits, not the period's deals); each one's state then is looked up
    by deal. At 1M deals this reads 24,000 versions instead of the period's 96,000 twice
    over."""
    v = DealVersion
    cur = (
        select(*(v.__table__.c[name] for name in _MOVE_COLUMNS))
        .where(v.workspace_id == workspace_id, v.valid_from > then, valid_at(now))
        .subquery("cur")
    )
    p = aliased(DealVersion, name="before")
    prev = (
        select(*(getattr(p, name) for name in _MOVE_COLUMNS))
        .where(p.workspace_id == workspace_id, valid_at(then, p))
        .subquery("prev")
    )
    return cur, prev, _either_in(cur, prev, start, end)
