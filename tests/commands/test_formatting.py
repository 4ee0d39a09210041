from decimal import Decimal

import pytest

from commands.formatting import short_money


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("0", "$0"),
        ("-0.4", "$0"),
        ("950.4", "$950"),
        ("999", "$999"),
        ("999.6", "$1k"),
        ("1250", "$1.25k"),
        ("12345", "$12.3k"),
        ("120000", "$120k"),
        ("999999", "$1M"),
        ("1000000", "$1M"),
        ("1040000", "$1.04M"),  # was "$1M": the total pipegen cell read as a round million
        ("1234567", "$1.23M"),
        ("-2500", "-$2.5k"),
        ("2500000000", "$2.5B"),
    ],
)
def test_short_money_keeps_three_significant_digits(amount: str, shown: str) -> None:
    assert short_money(Decimal(amount)) == shown


def test_short_money_unknown_is_a_dash() -> None:
    assert short_money(None) == "–"
