"""The APM's sums, computed in the database from every deal's state as of one moment."""

from __future__ import annotations

from collections.abc import Sequence
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
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from store.deals import valid_at
from store.models import Campaign, DealVersion
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
# Sums may also be grouped by owner, for a rep's (or a team's) own book.
GROUPINGS = {**DIMENSION_COLUMNS, **CAMPAIGN_COLUMNS, "owner": DealVersion.owner_id}


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
    `at`) closed with a close date in `[start, end)`: a win rate's evidence."""
    v = DealVersion
    decided = (
        v.workspace_id == workspace_id,
        valid_at(at),
        v.close_date >= start,
        v.close_date < end,
        v.status.in_(("won", "lost")),
    )
    found: dict[str, dict[str | None, Decided]] = {}
    for dimension in dimensions:
        key = GROUPINGS[dimension]
        query = (
            select(key, _money_sum(v.status == "won"), _money_sum(v.status == "lost"))
            .where(*decided)
            .group_by(key)
        )
        found[dimension] = {
            value: Decided(won, lost) for value, won, lost in session.execute(query)
        }
    return found


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
    deals in play are found once (a materialized CTE) and grouped once per dimension."""
    if not dimensions:
        return {}
    relevant = (
        _relevant(workspace_id, at, window, dimensions).cte("relevant").prefix_with("MATERIALIZED")
    )
    money = [
        type_coerce(func.coalesce(func.sum(relevant.c[name]), 0), Money())
        for name in ("closed", "open", "pipegen", "commit")
    ]
    parts = [
        select(
            literal(dimension).label("dimension"),
            cast(relevant.c[dimension], String).label("value"),
            *money,
        ).group_by(relevant.c[dimension])
        for dimension in dimensions
    ]
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    result: dict[str, dict[Any, Sums]] = {dimension: {} for dimension in dimensions}
    for dimension, value, *sums in session.execute(query):
        key = int(value) if dimension == "owner" and value is not None else value
        result[dimension][key] = Sums(*sums)
    return result


@dataclass(frozen=True)
class Movement:
    """How many deals moved one way, and the amount they moved."""

    count: int = 0
    amount: Decimal = ZERO


def _period_deals(workspace_id: str, then: datetime, now: datetime, start: date, end: date) -> Any:
    """Every deal that closes in `[start, end)` as it stands now or as it stood then: found
    through the close-date index, so a week's changes never read the whole history."""
    v = DealVersion
    in_period = and_(v.close_date >= start, v.close_date < end)
    return union(
        select(v.deal_id).where(v.workspace_id == workspace_id, valid_at(now), in_period),
        select(v.deal_id).where(v.workspace_id == workspace_id, valid_at(then), in_period),
    )


def _versions_at(workspace_id: str, at: datetime, deal_ids: Any) -> Any:
    v = DealVersion
    return (
        select(v)
        .where(v.workspace_id == workspace_id, valid_at(at), v.deal_id.in_(deal_ids))
        .subquery()
    )


MOVES = ("new", "pulled_in", "pushed_out", "won", "lost", "grown", "shrunk")


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
    since `then`, pulled into or pushed out of `[start, end)`, won, lost, grown or shrunk.
    Each deal's move is worked out once and grouped once per dimension."""
    if not dimensions:
        return {}
    deal_ids = _period_deals(workspace_id, then, now, start, end).subquery()
    ids = select(deal_ids.c.deal_id)
    cur, prev = _versions_at(workspace_id, now, ids), _versions_at(workspace_id, then, ids)
    cur_in = and_(cur.c.close_date >= start, cur.c.close_date < end)
    prev_in = and_(prev.c.close_date >= start, prev.c.close_date < end)
    cur_open, prev_open = cur.c.status == "open", prev.c.status == "open"
    existed = prev.c.deal_id.is_not(None)
    zero = func.coalesce(prev.c.amount, 0)
    kinds = {
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
    columns = []
    for kind, (condition, amount) in kinds.items():
        columns.append(case((condition, 1), else_=0).label(f"{kind}_count"))
        columns.append(case((condition, amount), else_=0).label(f"{kind}_amount"))
    moves = (
        select(*(cur.c[d].label(d) for d in DIMENSION_COLUMNS), *columns)
        .select_from(cur.outerjoin(prev, prev.c.deal_id == cur.c.deal_id))
        .where(or_(cur_in, prev_in))
        .cte("moves")
        .prefix_with("MATERIALIZED")
    )
    sums: list[ColumnElement[Any]] = []
    for kind in MOVES:
        sums.append(func.sum(moves.c[f"{kind}_count"]))
        sums.append(type_coerce(func.coalesce(func.sum(moves.c[f"{kind}_amount"]), 0), Money()))
    parts = [
        select(
            literal(d).label("dimension"), cast(moves.c[d], String).label("value"), *sums
        ).group_by(moves.c[d])
        for d in dimensions
    ]
    query = parts[0] if len(parts) == 1 else union_all(*parts)
    result: dict[str, dict[str | None, dict[str, Movement]]] = {d: {} for d in dimensions}
    for dimension, value, *values in session.execute(query):
        found = {
            kind: Movement(int(values[2 * i] or 0), values[2 * i + 1])
            for i, kind in enumerate(MOVES)
        }
        result[dimension][value] = {k: m for k, m in found.items() if m.count}
    return result
