"""Closed ACV and committed pipeline at many moments of one period, from one read of the
versions: the pacing chart's series."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

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
    cents = type_coerce(v.amount, BigInteger)  # raw integer cents: exact and cheap to add
    rows = session.execute(
        select(v.valid_from, v.valid_to, v.status, v.close_date, v.forecast_category, cents).where(
            v.workspace_id == workspace_id,
            v.close_date >= start,
            v.close_date < end,
            # Only what either sum counts: won, or open in Commit.
            or_(v.status == "won", and_(v.status == "open", v.forecast_category == "Commit")),
            v.valid_from <= moments[-1],
            or_(v.valid_to.is_(None), v.valid_to > moments[0]),
        )
    )
    # Each version adds its amount to a run of consecutive moments: kept as a difference
    # at the run's two ends, then summed once, so a version costs the same however many
    # moments it spans.
    closed = [0] * (len(moments) + 1)
    commit = [0] * (len(moments) + 1)
    for valid_from, valid_to, status, close_date, category, amount in rows:
        if not amount or close_date is None:
            continue
        first = bisect_left(moments, valid_from)
        last = len(moments) if valid_to is None else bisect_left(moments, valid_to)
        if status == "won":
            # Counted from the first moment whose cutoff is past its close date.
            first = max(first, bisect_right(cutoffs, close_date))
            target = closed
        elif category == "Commit":
            target = commit
        else:
            continue
        if first < last:
            target[first] += amount
            target[last] -= amount
    paces = []
    running_closed = running_commit = 0
    for index in range(len(moments)):
        running_closed += closed[index]
        running_commit += commit[index]
        paces.append(Pace(_money(running_closed), _money(running_commit)))
    return paces


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)
