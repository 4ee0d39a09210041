"""Business hours: the clock the hand-off SLA runs on (SPEC section 9).

A working day is `[starts, ends)` of the wall clock in a person's time zone, on the
workdays; each day's window is placed in that zone before any arithmetic, so a DST change
moves the window with the wall clock. Python subtracts two datetimes of one zone by their
wall clocks, so every difference here is taken in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

HOUR = Decimal(3600)


@dataclass(frozen=True)
class BusinessDays:
    """When people work: 09:00-17:00 Monday to Friday unless configured."""

    starts: time = time(9)
    ends: time = time(17)
    workdays: frozenset[int] = frozenset(range(5))  # Monday is 0

    def __post_init__(self) -> None:
        if self.ends <= self.starts:
            raise ValueError(f"a working day ends after it starts ({self.starts}-{self.ends})")
        if not self.workdays:
            raise ValueError("a working week has at least one working day")


WORKING_WEEK = BusinessDays()


@lru_cache(maxsize=8192)
def _window(day: date, zone: ZoneInfo, days: BusinessDays) -> tuple[datetime, datetime]:
    """A working day's window in UTC; cached, since a quarter's figures place the same few
    hundred days for tens of thousands of leads."""
    start = datetime.combine(day, days.starts, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, days.ends, tzinfo=zone).astimezone(UTC)
    return start, end


def _windows(
    since: datetime, zone: ZoneInfo, days: BusinessDays
) -> Iterator[tuple[datetime, datetime]]:
    """Each working day's window from the local day of `since` on, in UTC."""
    day = since.astimezone(zone).date()
    while True:
        if day.weekday() in days.workdays:
            yield _window(day, zone, days)
        day += timedelta(days=1)


def business_seconds(
    start: datetime, end: datetime, zone: ZoneInfo, days: BusinessDays = WORKING_WEEK
) -> int:
    """Working seconds in `[start, end)` (0 when `end` is not after `start`)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    for opens, closes in _windows(start, zone, days):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return int(total.total_seconds())


def business_hours(
    start: datetime, end: datetime, zone: ZoneInfo, days: BusinessDays = WORKING_WEEK
) -> Decimal:
    """Working hours in `[start, end)`, exact (seconds / 3600)."""
    return Decimal(business_seconds(start, end, zone, days)) / HOUR


def add_business_hours(
    start: datetime, hours: int | Decimal, zone: ZoneInfo, days: BusinessDays = WORKING_WEEK
) -> datetime:
    """The moment `hours` working hours after `start` (in UTC). A count that ends exactly
    at a day's close ends there, not at the next day's opening."""
    left = timedelta(seconds=float(Decimal(hours) * HOUR))
    start = start.astimezone(UTC)
    if left <= timedelta(0):
        return start
    for opens, closes in _windows(start, zone, days):
        begin = max(opens, start)
        if begin >= closes:
            continue
        available = closes - begin
        if left <= available:
            return begin + left
        left -= available
    raise AssertionError("unreachable: the working week never ends")
