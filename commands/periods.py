"""Reading periods and as-of moments, and placing a moment within a period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.fiscal import Period, period_from_label, quarter_containing, shift_quarters
from commands.parsing import ParseError, parse_date
from store.metrics import Window

RELATIVE = {"this": 0, "current": 0, "next": 1, "last": -1, "previous": -1}


def label_example(start_month: int) -> str:
    return "2026-Q4" if start_month == 1 else "FY2027-Q1"


# A quarter as people write it: `2026-Q4`, `2026Q4`, `2026 Q4`, `Q4 2026`, `FY2027-Q1`.
_LABEL = re.compile(r"^(fy)?(\d{4})\s*-?\s*q([1-4])$")
_LABEL_QUARTER_FIRST = re.compile(r"^q([1-4])\s*[-/ ]?\s*(fy)?(\d{4})$")


def _as_label(word: str, start_month: int) -> str | None:
    """`word` in the workspace's label form, when it names a quarter and a year."""
    if match := _LABEL.match(word):
        fiscal, year, quarter = match[1], match[2], match[3]
    elif match := _LABEL_QUARTER_FIRST.match(word):
        fiscal, year, quarter = match[2], match[3], match[1]
    else:
        return None
    if start_month != 1 and not fiscal:
        # A calendar quarter is not one of this workspace's: its label says so.
        return None
    return f"{year}-Q{quarter}" if start_month == 1 else f"FY{year}-Q{quarter}"


def looks_like_period(text: str) -> bool:
    """Whether `text` is meant as a period (rather than, say, a region)."""
    word = " ".join(text.strip().lower().split())
    return (
        word in RELATIVE
        or re.fullmatch(r"q[1-4]", word) is not None
        or _as_label(word, 1) is not None
    )


def parse_period(text: str | None, today: date, start_month: int) -> Period:
    """A fiscal quarter: its label (`2026-Q4`, also `2026Q4` or `Q4 2026`), `this`, `next`,
    `last`, or `Q1`..`Q4` of this fiscal year; the current quarter when `text` is empty."""
    current = quarter_containing(today, start_month)
    if not text:
        return current
    word = " ".join(text.strip().lower().split())
    text = _as_label(word, start_month) or text
    if word in RELATIVE:
        return shift_quarters(current, RELATIVE[word], start_month)
    if re.fullmatch(r"q[1-4]", word):
        return shift_quarters(current, int(word[1]) - int(current.label[-1]), start_month)
    period = period_from_label(text, start_month)
    if period is None:
        raise ParseError(
            f"`{text}` is not a period; write a quarter like `{label_example(start_month)}`, "
            "`this`, `next`, `last` or `Q1`"
        )
    return period


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def parse_as_of(text: str | None, now: datetime, zone: ZoneInfo) -> datetime:
    """A moment: a date means the end of that day in `zone`, its last microsecond, so a
    change stamped at the next midnight is not in it; a datetime without a zone is in
    `zone`, and a change made exactly then is; nothing means now."""
    if not text:
        return now
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None and ("T" in raw or " " in raw):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:
        day = parse_date(raw, now.astimezone(zone).date())
    except ParseError as error:
        message = f"{error}; an as-of time is a date like 2017-12-31 or an ISO datetime"
        raise ParseError(message) from None
    return end_of(day, zone)


def end_of(day: date, zone: ZoneInfo) -> datetime:
    """The last moment of `day` in `zone`."""
    return midnight(day + timedelta(days=1), zone) - timedelta(microseconds=1)


@dataclass(frozen=True)
class Placement:
    """Where a moment falls in a period: the window of dates reached, and the elapsed share."""

    window: Window
    elapsed: float


def place(period: Period, at: datetime, zone: ZoneInfo) -> Placement:
    start, end = midnight(period.start, zone), midnight(period.end, zone)
    capped = min(max(at, start), end)
    local = capped.astimezone(zone)
    # The first date whose midnight is at or after t*: dates before it are "before t*".
    cutoff = local.date() if local.time() == time(0) else local.date() + timedelta(days=1)
    cutoff = min(max(cutoff, period.start), period.end)
    # A state as of `at` includes `at` itself: its microsecond has passed too, so the end
    # of a day (its last microsecond) has the whole day gone.
    reached = min(max(at + timedelta(microseconds=1), start), end)
    elapsed = (reached - start) / (end - start)
    return Placement(Window(period.start, period.end, cutoff), elapsed)


def as_of_day(at: datetime, zone: ZoneInfo) -> date:
    """The day an as-of moment belongs to in `zone`; the next midnight, which other code
    uses for the end of a day, is still that day's."""
    return (at - timedelta(microseconds=1)).astimezone(zone).date()


def year_earlier(moment: datetime) -> datetime:
    """The same moment a year before; 29 February becomes the 28th."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)
