"""Business hours, checked against hand counts on the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from commands.business_hours import BusinessDays, add_business_hours, business_hours

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def test_a_weekend_counts_nothing():
    # Friday 2026-11-27 15:30 to Monday 11-30 10:15, London (GMT all along):
    # Friday 15:30-17:00 is 1.5 h, Monday 09:00-10:15 is 1.25 h.
    friday = datetime(2026, 11, 27, 15, 30, tzinfo=LONDON)
    monday = datetime(2026, 11, 30, 10, 15, tzinfo=LONDON)
    assert business_hours(friday, monday, LONDON) == Decimal("2.75")


def test_a_lead_that_arrives_on_saturday_starts_its_clock_on_monday_morning():
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)
    # 24 working hours: Monday, Tuesday and Wednesday, 8 h each: Wednesday 17:00.
    assert add_business_hours(saturday, 24, LONDON) == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert business_hours(saturday, datetime(2026, 11, 30, 9, 0, tzinfo=LONDON), LONDON) == 0


def test_the_clock_follows_the_wall_clock_across_the_end_of_british_summer_time():
    # BST ends Sunday 2026-10-25. Friday 23rd 16:00 BST is 15:00 UTC; Monday 26th 10:00
    # GMT is 10:00 UTC. By hand: Friday 16-17 (1 h) + Monday 9-10 (1 h) = 2 h, although
    # 67 hours pass; a clock on UTC windows would count Friday 15:00-17:00 UTC = 2 h plus
    # Monday 09:00-10:00 UTC = 1 h, i.e. 3.
    friday = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    monday = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert business_hours(friday, monday, LONDON) == 2
    # 24 working hours from Friday 16:00 BST: Fri 1 + Mon 8 + Tue 8 + Wed 7 = 24, so
    # Wednesday 28th 16:00 GMT, which is 16:00 UTC (before the change it would be 15:00).
    assert add_business_hours(friday, 24, LONDON) == datetime(2026, 10, 28, 16, 0, tzinfo=UTC)


def test_the_clock_across_the_start_of_daylight_time_in_new_york():
    # EDT begins Sunday 2026-03-08. Friday 6th 13:00 EST (18:00 UTC) to Monday 9th 12:00
    # EDT (16:00 UTC): Friday 13-17 (4 h) + Monday 9-12 (3 h) = 7 h.
    friday = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert business_hours(friday, monday, NEW_YORK) == 7
    # 10 working hours from then: Fri 4 + Mon 6 -> Monday 15:00 EDT = 19:00 UTC.
    assert add_business_hours(friday, 10, NEW_YORK) == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)


def test_a_count_that_ends_at_closing_time_ends_there():
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    assert add_business_hours(monday, 8, LONDON) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert add_business_hours(monday, 0, LONDON) == monday


def test_nothing_counts_backwards_or_at_night():
    night = datetime(2026, 11, 30, 20, 0, tzinfo=LONDON)
    assert business_hours(night, night.replace(hour=23), LONDON) == 0
    assert business_hours(night, night.replace(hour=1), LONDON) == 0


def test_another_working_week():
    # Sunday to Thursday, 08:00-16:00: Thursday 15:00 to Sunday 09:00 is 1 + 1 = 2 h.
    gulf = BusinessDays(time(8), time(16), frozenset({6, 0, 1, 2, 3}))
    dubai = ZoneInfo("Asia/Dubai")
    thursday = datetime(2026, 12, 3, 15, 0, tzinfo=dubai)
    sunday = datetime(2026, 12, 6, 9, 0, tzinfo=dubai)
    assert business_hours(thursday, sunday, dubai, gulf) == 2
    with pytest.raises(ValueError, match="ends after it starts"):
        BusinessDays(time(17), time(9))
