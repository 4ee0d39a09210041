from datetime import date

import pytest

from commands.fiscal import Period, fiscal_year_last_day, quarter_containing, shift_quarters


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        (date(2026, 11, 23), 1, Period(date(2026, 10, 1), date(2027, 1, 1), "2026-Q4")),
        (date(2026, 1, 1), 1, Period(date(2026, 1, 1), date(2026, 4, 1), "2026-Q1")),
        (date(2026, 2, 1), 2, Period(date(2026, 2, 1), date(2026, 5, 1), "FY2027-Q1")),
        (date(2027, 1, 31), 2, Period(date(2026, 11, 1), date(2027, 2, 1), "FY2027-Q4")),
        (date(2026, 7, 15), 7, Period(date(2026, 7, 1), date(2026, 10, 1), "FY2027-Q1")),
        (date(2026, 6, 30), 7, Period(date(2026, 4, 1), date(2026, 7, 1), "FY2026-Q4")),
    ],
)
def test_quarter_containing(day: date, start_month: int, expected: Period):
    assert quarter_containing(day, start_month) == expected


def test_shift_quarters_crosses_years():
    q4 = quarter_containing(date(2026, 11, 23))
    assert shift_quarters(q4, 1).label == "2027-Q1"
    assert shift_quarters(q4, -4).label == "2025-Q4"


def test_fiscal_year_last_day():
    assert fiscal_year_last_day(date(2026, 3, 1), 1) == date(2026, 12, 31)
    assert fiscal_year_last_day(date(2026, 3, 1), 2) == date(2027, 1, 31)
    assert fiscal_year_last_day(date(2026, 1, 15), 2) == date(2026, 1, 31)
