"""Numbers and dates as people read them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def money(amount: Decimal | None, symbol: str = "$") -> str:
    """`$120,000` or `$1,234.50`; `–` when unknown."""
    if amount is None:
        return "–"
    text = f"{amount:,.2f}"
    return symbol + (text[:-3] if text.endswith(".00") else text)


def short_money(amount: Decimal | None, symbol: str = "$") -> str:
    """`$1.04M`, `$12.3M`, `$120k`, `$950`, `-$2.5k`: three significant digits, so a total
    just over a million does not read as `$1M`; `–` when unknown."""
    if amount is None:
        return "–"
    text = _three_digits(abs(amount))
    sign = "-" if amount < 0 and text != "0" else ""
    return f"{sign}{symbol}{text}"


def _three_digits(size: Decimal) -> str:
    # Rounded before the scale is chosen: $999,999 is $1M, not $1000k.
    if size >= 100:
        size = Decimal(f"{size:.3g}")
    for scale, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "k")):
        if size >= scale:
            text = f"{size / scale:f}"
            if "." in text:
                text = text.rstrip("0").removesuffix(".")
            return text + suffix
    return f"{size:.0f}"


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "–"
