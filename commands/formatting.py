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
    """`$1.2M`, `$120k`, `$950`; `–` when unknown."""
    if amount is None:
        return "–"
    for scale, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "k")):
        if abs(amount) >= scale:
            scaled = amount / scale
            digits = 0 if abs(scaled) >= 100 else 1
            text = f"{scaled:.{digits}f}".removesuffix(".0")
            return f"{symbol}{text}{suffix}"
    return f"{symbol}{amount:.0f}"


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "–"
