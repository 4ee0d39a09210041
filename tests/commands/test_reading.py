"""One reading of amounts and dates: every example people typed, in a table, read by hand
from what they meant (today is Monday 2026-11-23; the fiscal year starts in January
unless a row says otherwise)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commands.locales import read_locale, reading
from commands.parsing import ParseError, join_amount, parse_amount, parse_date

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "locale", "expected"),
    [
        ("1.2m", "en_US", "1200000"),
        ("120 k", "en_US", "120000"),
        ("1.2 million", "en_US", "1200000"),
        ("50K USD", "en_US", "50000"),
        ("$1.5M", "en_US", "1500000"),
        ("$1,5M", "de_DE", "1500000"),  # a decimal comma where the locale writes one
        ("1.250.000", "de_DE", "1250000"),
        ("1,5 Mio", "de_DE", "1500000"),
        ("300 k", "en_US", "300000"),
    ],
)
def test_amounts_people_write(typed: str, locale: str, expected: str):
    assert parse_amount(typed, "$", reading(locale).decimal_comma) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("€50k", "$", "`€50k` is in EUR, but this workspace counts in $; write the amount in $"),
        ("50k EUR", "$", "is in EUR, but this workspace counts in $"),
        ("$50k", "€", "is in USD, but this workspace counts in €"),
        ("$1,5M", "$", "has a decimal comma: write it with a point (`1.5M`)"),
    ],
)
def test_amounts_refused_with_a_reason(typed: str, currency: str, message: str):
    with pytest.raises(ParseError) as refused:
        parse_amount(typed, currency)
    assert message in str(refused.value)


def test_an_amount_in_the_workspaces_own_currency_is_read():
    assert parse_amount("€50k", "€") == Decimal(50000)
    assert parse_amount("50k eur", "€") == Decimal(50000)


@pytest.mark.parametrize(
    ("words", "joined"),
    [
        (["this", "total", "closed", "300", "k"], ["this", "total", "closed", "300 k"]),
        (["1.2", "million"], ["1.2 million"]),
        (["50K", "USD"], ["50K USD"]),
        (["region", "EMEA", "250k"], ["region", "EMEA", "250k"]),
    ],
)
def test_an_amounts_unit_typed_apart_joins_its_number(words, joined):
    assert join_amount(words) == joined


@pytest.mark.parametrize(
    ("typed", "locale", "fiscal_start", "expected"),
    [
        ("12/31/26", "en_US", 1, date(2026, 12, 31)),
        ("eoq", "en_US", 1, date(2026, 12, 31)),
        ("Dec 31st", "en_US", 1, date(2026, 12, 31)),
        ("tomorrow", "en_US", 1, date(2026, 11, 24)),
        ("31.12.2026", "en_US", 1, date(2026, 12, 31)),  # dots are day first everywhere
        ("31.12.2026", "de_DE", 1, date(2026, 12, 31)),
        ("15/01/2027", "en_GB", 1, date(2027, 1, 15)),
        ("15/01/2027", "de_DE", 1, date(2027, 1, 15)),
        ("01/02/2027", "en_GB", 1, date(2027, 2, 1)),  # 1 February where the day is first
        ("01/02/2027", "en_US", 1, date(2027, 1, 2)),  # 2 January where the month is
        ("in two weeks", "en_US", 1, date(2026, 12, 7)),
        ("in a week", "en_US", 1, date(2026, 11, 30)),
        ("end of Q1", "en_US", 1, date(2027, 3, 31)),  # Q1 2026 is over: next year's
        ("Q1", "en_US", 1, date(2027, 3, 31)),
        ("Q4", "en_US", 1, date(2026, 12, 31)),
        ("end of Q1 2026", "en_US", 1, date(2026, 3, 31)),
        ("end of Q1", "en_US", 2, date(2027, 4, 30)),  # fiscal FY2028-Q1: Feb-Apr 2027
    ],
)
def test_dates_people_write(typed: str, locale: str, fiscal_start: int, expected: date):
    rules = reading(locale)
    assert parse_date(typed, TODAY, fiscal_start, rules.day_first, rules.locale) == expected


@pytest.mark.parametrize(
    ("typed", "locale", "message"),
    [
        (
            "15/01/2027",
            "en_US",
            "`15/01/2027` is not a date in en_US, which writes month/day/year; write it as "
            "YYYY-MM-DD, or set the workspace's locale (`/council settings locale=en_GB`)",
        ),
        ("01/15/2027", "en_GB", "is not a date in en_GB, which writes day/month/year"),
        ("31.02.2027", "de_DE", "is not a real date"),
        ("in many weeks", "en_US", "is not a date I can read"),
    ],
)
def test_dates_refused_name_the_locale(typed: str, locale: str, message: str):
    rules = reading(locale)
    with pytest.raises(ParseError) as refused:
        parse_date(typed, TODAY, 1, rules.day_first, rules.locale)
    assert message in str(refused.value)


def test_locales_are_read_and_checked():
    assert read_locale("de-de") == "de_DE"
    assert (reading("de_DE").day_first, reading("de_DE").decimal_comma) == (True, True)
    assert (reading("en_US").day_first, reading("en_US").decimal_comma) == (False, False)
    assert (reading("en_GB").day_first, reading("en_GB").decimal_comma) == (True, False)
    with pytest.raises(ParseError, match="`xx_YY` is not a locale"):
        read_locale("xx_YY")
