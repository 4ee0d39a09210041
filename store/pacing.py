"""Closed ACV and committed pipeline at many moments of one period, from one read of the
versions: the pacing chart's series."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import DealVersion

ZERO = Decimal("0.00")


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
    bisection, rather than one query per moment."""
    if not moments:
        return []
    v = DealVersion
    rows = session.execute(
        select(
            v.valid_from, v.valid_to, v.status, v.close_date, v.forecast_category, v.amount
        ).where(
            v.workspace_id == workspace_id,
            v.close_date >= start,
            v.close_date < end,
            v.status.in_(("won", "open")),
            v.valid_from <= moments[-1],
            or_(v.valid_to.is_(None), v.valid_to > moments[0]),
        )
    )
    closed = [ZERO] * len(moments)
    commit = [ZERO] * len(moments)
    for valid_from, valid_to, status, close_date, category, amount in rows:
        if not amount:
            continue
        first = bisect_left(moments, valid_from)
        last = len(moments) if valid_to is None else bisect_left(moments, valid_to)
        for index in range(first, last):
            if status == "won" and close_date is not None and close_date < cutoffs[index]:
                closed[index] += amount
            elif status == "open" and category == "Commit":
                commit[index] += amount
    return [Pace(c, k) for c, k in zip(closed, commit, strict=True)]
