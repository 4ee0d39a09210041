"""Why a deal needs attention: the rules behind `/deal list stale` and clean your room."""

from __future__ import annotations

from datetime import date, datetime

from commands.formatting import short_money
from store.models import Deal


def deal_label(deal: Deal, symbol: str) -> str:
    """`Acme renewal · Decision · $120k · closes 2026-12-15`, for nudges and the Home tab."""
    parts = [deal.name, deal.stage, short_money(deal.amount, symbol)]
    if deal.close_date:
        parts.append(f"closes {deal.close_date.isoformat()}")
    return " · ".join(parts)


def stale_reasons(deal: Deal, today: date, now: datetime, stale_after_days: int) -> tuple[str, ...]:
    """An open deal's problems: close date passed, no update for N days, or no amount,
    close date or next step. A closed deal has none."""
    if deal.status != "open":
        return ()
    reasons = []
    if deal.close_date is not None and deal.close_date < today:
        reasons.append("close date passed")
    idle = (now - deal.updated_at).days
    if idle >= stale_after_days:
        reasons.append(f"no update for {idle} days")
    if deal.amount is None:
        reasons.append("no amount")
    if deal.close_date is None:
        reasons.append("no close date")
    if not deal.next_step:
        reasons.append("no next step")
    return tuple(reasons)
