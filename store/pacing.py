"""Closed ACV and committed pipeline at many moments of one period, from one read of the
versions: the pacing chart's series."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from store.db import on_postgresql
from store.models import DealVersion

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Pace:
    """At one moment: closed ACV so far, and the open Commit deals closing in the period."""

    closed: Decimal = ZERO
    commit: Decimal = ZERO


def pace_at(
    session: Session,
    workspace_id: str,
    start: date,
    end: date,
    moments: Sequence[datetime],
    cutoffs: Sequence[date],
) -> list[Pace]:
    """SPEC section 3's closed ACV and the Commit part of the forecast at each of
    `moments` (ascending), for the period `[start, end)`; `cutoffs[i]` is the first date
    not yet reached at `moments[i]`.

    One query reads every version closing in the period that was in force at some moment
    between the first and the last (the close-date index); each version then adds its
    amount to the moments it was in force at (`valid_from <= t < valid_to`), found by
    bisection, rather than one query per moment. `cutoffs` must ascend with `moments`."""
    if not moments:
        return []
    # In UTC, the zone the store's datetimes come back in: comparing datetimes of one
    # tzinfo skips the offset arithmetic each comparison would otherwise do.
    moments = [moment.astimezone(UTC) for moment in moments]
    v = DealVersion
    read = _runs_counted_by_database if on_postgresql(session) else _runs
    where = (
        v.workspace_id == workspace_id,
        v.close_date >= start,
        v.close_date < end,
        # Only what either sum counts: won, or open in Commit.
        or_(v.status == "won", and_(v.status == "open", v.forecast_category == "Commit")),
        v.valid_from <= moments[-1],
        or_(v.valid_to.is_(None), v.valid_to > moments[0]),
    )
    # Each version adds its amount to a run of consecutive moments: kept as a difference
    # at the run's two ends, then summed once, so a version costs the same however many
    # moments it spans.
    closed = [0] * (len(moments) + 1)
    commit = [0] * (len(moments) + 1)
    for won, first, last, amount in read(session, where, moments, cutoffs):
        if first < last:
            target = closed if won else commit
            target[first] += amount
            target[last] -= amount
    paces = []
    running_closed = running_commit = 0
    for index in range(len(moments)):
        running_closed += closed[index]
        running_commit += commit[index]
        paces.append(Pace(_money(running_closed), _money(running_commit)))
    return paces


# A run: whether the versions are won (else open in Commit), the first moment they count
# at and the one they stop at (indexes into the moments), and their amount in cents.
Run = tuple[bool, int, int, int]


def _runs(
    session: Session, where: tuple[Any, ...], moments: list[datetime], cutoffs: Sequence[date]
) -> Iterator[Run]:
    """Each version's run, found here by bisection."""
    v = DealVersion
    cents = type_coerce(v.amount, BigInteger)  # raw integer cents: exact and cheap to add
    rows = session.execute(
        select(v.valid_from, v.valid_to, v.status, v.close_date, cents).where(*where)
    )
    for valid_from, valid_to, status, close_date, amount in rows:
        if not amount or close_date is None:
            continue
        first = bisect_left(moments, valid_from)
        last = len(moments) if valid_to is None else bisect_left(moments, valid_to)
        won = status == "won"
        if won:
            # Counted from the first moment whose cutoff is past its close date.
            first = max(first, bisect_right(cutoffs, close_date))
        yield won, first, last, amount


def _runs_counted_by_database(
    session: Session, where: tuple[Any, ...], moments: list[datetime], cutoffs: Sequence[date]
) -> Iterator[Run]:
    """The same runs, the bisections done by PostgreSQL's `width_bucket` and the versions
    of one run summed there: a few hundred rows back instead of every version, whose
    timestamps cost more to bring into Python than the query (143,000 versions at 1M
    deals: 0.74 s against 0.11 s). `width_bucket(x, sorted)` counts the thresholds <= x;
    a microsecond less (timestamps' resolution) makes it count those < x, as `bisect_left`."""
    v = DealVersion
    at = literal(moments, ARRAY(DateTime(timezone=True)))
    before: Any = literal_column("interval '1 microsecond'")
    won = v.status == "won"
    from_moment = func.width_bucket(v.valid_from - before, at)
    first = case(
        (
            won,
            func.greatest(
                from_moment, func.width_bucket(v.close_date, literal(list(cutoffs), ARRAY(Date)))
            ),
        ),
        else_=from_moment,
    )
    last = case(
        (v.valid_to.is_(None), len(moments)), else_=func.width_bucket(v.valid_to - before, at)
    )
    total = func.sum(type_coerce(v.amount, BigInteger))
    query = select(won, first, last, total).where(*where).group_by(won, first, last)
    for is_won, start, stop, amount in session.execute(query):
        yield bool(is_won), int(start), int(stop), int(amount)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)
