"""The fiscal calendar: quarters, their labels and their edges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """A fiscal quarter, `[start, end)` in dates."""

    start: date
    end: date
    label: str

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def quarter_containing(day: date, start_month: int = 1) -> Period:
    """The fiscal quarter holding `day` when the fiscal year starts in `start_month`.

    Labels follow the calendar (`2026-Q4`) when the year starts in January; otherwise
    `FY2027-Q1`, the fiscal year named after the calendar year in which it ends.
    """
    offset = (day.month - start_month) % 12
    quarter = offset // 3 + 1
    start_year, start_mon = _add_months(day.year, day.month, -(offset % 3))
    end_year, end_mon = _add_months(start_year, start_mon, 3)
    fy_start_year = day.year if day.month >= start_month else day.year - 1
    if start_month == 1:
        label = f"{fy_start_year}-Q{quarter}"
    else:
        label = f"FY{fy_start_year + 1}-Q{quarter}"
    return Period(date(start_year, start_mon, 1), date(end_year, end_mon, 1), label)


def shift_quarters(period: Period, quarters: int, start_month: int = 1) -> Period:
    year, month = _add_months(period.start.year, period.start.month, 3 * quarters)
    return quarter_containing(date(year, month, 1), start_month)


def fiscal_year_last_day(day: date, start_month: int = 1) -> date:
    """The last day of the fiscal year holding `day`."""
    quarter = quarter_containing(day, start_month)
    remaining = 4 - int(quarter.label[-1])
    return shift_quarters(quarter, remaining, start_month).last_day


def period_from_label(label: str, start_month: int = 1) -> Period | None:
    """The quarter a label names (`2026-Q4` or, for a year not starting in January,
    `FY2027-Q1`); None when the label is not of the workspace's form."""
    text = label.strip().upper()
    if start_month == 1:
        head, _, quarter = text.partition("-Q")
        year_text = head
    else:
        if not text.startswith("FY"):
            return None
        head, _, quarter = text[2:].partition("-Q")
        year_text = head
    if not (year_text.isdigit() and len(year_text) == 4 and quarter in ("1", "2", "3", "4")):
        return None
    year = int(year_text) - (0 if start_month == 1 else 1)
    first_year, first_month = _add_months(year, start_month, 3 * (int(quarter) - 1))
    return quarter_containing(date(first_year, first_month, 1), start_month)
