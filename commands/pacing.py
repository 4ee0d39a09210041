"""The pacing chart's numbers: cumulative closed ACV and forecast at the end of each week
of the quarter, this year and the same weeks a year earlier, and the closed target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.fiscal import Period, quarter_containing
from commands.periods import as_of_day, end_of, midnight, place, year_earlier
from store.pacing import pace_at

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class PacePoint:
    """Where the quarter stood at `week` weeks in (fractional for the as-of moment)."""

    week: float
    at: datetime
    closed: Decimal
    forecast: Decimal  # closed + open Commit closing in the quarter (no managers' calls)


@dataclass(frozen=True)
class Pacing:
    period: Period
    prior: Period
    as_of: datetime
    weeks: float  # the quarter's length in weeks
    this_year: list[PacePoint]
    last_year: list[PacePoint]
    target: Decimal | None
    currency: str


def week_ends(period: Period, zone: ZoneInfo) -> list[datetime]:
    """The end of day 7, 14, ... of the quarter in `zone`, and of its last day."""
    ends = []
    day = period.start + timedelta(days=6)
    while day < period.last_day:
        ends.append(end_of(day, zone))
        day += timedelta(days=7)
    ends.append(end_of(period.last_day, zone))
    return ends


def build_pacing(
    session: Session,
    workspace_id: str,
    zone: ZoneInfo,
    period: Period,
    at: datetime,
    target: Decimal | None,
    currency: str,
    start_month: int = 1,
) -> Pacing:
    """This year's points are the week ends passed by `at`, then `at` itself; last year's
    are every week end of the same quarter a year earlier, each as of that moment."""
    start = midnight(period.start, zone)
    quarter_weeks = (midnight(period.end, zone) - start) / WEEK
    ends = week_ends(period, zone)
    now = [moment for moment in ends if moment < at] + [at]
    prior = quarter_containing(as_of_day(year_earlier(at), zone), start_month)
    prior_start = midnight(prior.start, zone)
    before = week_ends(prior, zone)
    return Pacing(
        period,
        prior,
        at.astimezone(zone),
        quarter_weeks,
        _points(session, workspace_id, zone, period, start, now),
        _points(session, workspace_id, zone, prior, prior_start, before),
        target,
        currency,
    )


def _points(
    session: Session,
    workspace_id: str,
    zone: ZoneInfo,
    period: Period,
    start: datetime,
    moments: list[datetime],
) -> list[PacePoint]:
    cutoffs = [place(period, moment, zone).window.cutoff for moment in moments]
    paces = pace_at(session, workspace_id, period.start, period.end, moments, cutoffs)
    return [
        PacePoint(
            round(min(moment - start, midnight(period.end, zone) - start) / WEEK, 3),
            moment,
            pace.closed,
            pace.closed + pace.commit,
        )
        for moment, pace in zip(moments, paces, strict=True)
    ]
