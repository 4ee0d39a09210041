"""Column types that keep money exact and datetimes in UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """A decimal amount stored as integer cents.

    Integer cents sum exactly on SQLite (whose NUMERIC is a float) and PostgreSQL alike,
    so a total computed in SQL never drifts by a cent.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return int(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP).scaleb(2))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)).scaleb(-2)).quantize(CENT)


class UTCDateTime(TypeDecorator[datetime]):
    """A time-zone-aware datetime, always UTC in the store.

    SQLite drops the zone, so naive values read back are UTC by construction; naive values
    written are refused, since guessing their zone is how history goes wrong.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
