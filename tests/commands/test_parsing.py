from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.parsing import (
    ParseError,
    Token,
    ValueMatch,
    match_by_prefix,
    match_known_value,
    parse_amount,
    parse_date,
    tokenize,
)

TODAY = date(2026, 11, 23)  # a Monday in 2026-Q4


def test_tokenize_keeps_quoted_values_whole_with_straight_or_curly_quotes():
    assert tokenize('Acme renewal next="send MSA" account=“Acme Corp”') == [
        Token("Acme", False),
        Token("renewal", False),
        Token("next=send MSA", False),
        Token("account=Acme Corp", False),
    ]


def test_tokenize_marks_words_that_begin_with_a_quote():
    assert tokenize('"New York" stage=x') == [Token("New York", True), Token("stage=x", False)]


def test_tokenize_keeps_apostrophes_inside_words():
    assert [t.text for t in tokenize("O'Brien’s deal")] == ["O'Brien’s", "deal"]


def test_tokenize_refuses_an_unclosed_quote():
    with pytest.raises(ParseError, match="never closed"):
        tokenize('next="send MSA')


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("120k", "120000.00"),
        ("120K", "120000.00"),
        ("$1.2M", "1200000.00"),
        ("1,200,000", "1200000.00"),
        ("1.5mm", "1500000.00"),
        ("€50k", "50000.00"),
        ("2 million", "2000000.00"),
        ("0", "0.00"),
        ("12.345", "12.35"),
        ("USD 3,500.50", "3500.50"),
        (".5k", "500.00"),
    ],
)
def test_parse_amount_accepts_what_people_write(typed: str, expected: str):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5k", "negative"),
        ("(5,000)", "negative"),
        ("lots", "not an amount"),
        ("1,2", "decimal comma"),
        ("12k5", "not an amount"),
        ("99999999999999", "larger"),
    ],
)
def test_parse_amount_refuses_with_a_reason(typed: str, message: str):
    with pytest.raises(ParseError, match=message):
        parse_amount(typed)


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_amount_reads_back_any_grouped_whole_number(number: int):
    assert parse_amount(f"{number:,}") == Decimal(number)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("2026/12/15", date(2026, 12, 15)),
        ("12/15", date(2026, 12, 15)),
        ("12/15/2027", date(2027, 12, 15)),
        ("12/15/27", date(2027, 12, 15)),
        ("11/20", date(2026, 11, 20)),  # three days ago: this year
        ("1/15", date(2027, 1, 15)),  # long past this year: next year
        ("Dec 15", date(2026, 12, 15)),
        ("December 15, 2027", date(2027, 12, 15)),
        ("15 dec", date(2026, 12, 15)),
        ("3rd Jan", date(2027, 1, 3)),
        ("today", TODAY),
        ("tomorrow", date(2026, 11, 24)),
        ("friday", date(2026, 11, 27)),
        ("next friday", date(2026, 11, 27)),
        ("next Monday", date(2026, 11, 30)),  # never today
        ("end of quarter", date(2026, 12, 31)),
        ("EOQ", date(2026, 12, 31)),
        ("end of next quarter", date(2027, 3, 31)),
        ("end of month", date(2026, 11, 30)),
        ("end of year", date(2026, 12, 31)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("+10d", date(2026, 12, 3)),
        ("in 3 months", date(2027, 2, 23)),
    ],
)
def test_parse_date_accepts_what_people_write(typed: str, expected: date):
    assert parse_date(typed, TODAY) == expected


def test_end_of_quarter_follows_the_fiscal_year():
    # A year starting in February: Nov 2026 - Jan 2027 is FY2027-Q4.
    assert parse_date("end of quarter", TODAY, fiscal_start_month=2) == date(2027, 1, 31)
    assert parse_date("end of year", TODAY, fiscal_start_month=2) == date(2027, 1, 31)


def test_in_one_month_from_the_31st_is_the_last_day_of_the_next_month():
    assert parse_date("in 1 month", date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize("typed", ["soon", "2026-02-30", "13/45", "Smarch 3", "next blursday"])
def test_parse_date_refuses_what_it_cannot_read(typed: str):
    with pytest.raises(ParseError):
        parse_date(typed, TODAY)


def test_match_by_prefix_prefers_an_exact_name():
    stages = ["Decision", "Closed Won", "Closed Lost", "Consideration"]
    assert match_by_prefix("deci", stages) == ["Decision"]
    assert match_by_prefix("closedwon", stages) == ["Closed Won"]
    assert match_by_prefix("closed", stages) == ["Closed Won", "Closed Lost"]
    assert match_by_prefix("c", stages) == ["Closed Won", "Closed Lost", "Consideration"]
    assert match_by_prefix("won", stages) == ["Closed Won"]
    assert match_by_prefix("zzz", stages) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("EMEA", ValueMatch("EMEA", "exact")),
        ("emea", ValueMatch("EMEA", "case")),
        ("Enterprse", ValueMatch("Enterprise", "typo")),
        ("Entreprise", ValueMatch("Enterprise", "typo")),  # swapped neighbours
        ("LATAM", ValueMatch("LATAM", "new")),
        ("US", ValueMatch("US", "new")),  # short values are never corrected
    ],
)
def test_match_known_value(typed: str, expected: ValueMatch):
    assert match_known_value(typed, ["EMEA", "Enterprise", "UK"]) == expected


def test_match_known_value_lists_the_candidates_when_a_typo_could_be_either():
    assert match_known_value("Plan", ["Plans", "Plant"]) == ["Plans", "Plant"]
