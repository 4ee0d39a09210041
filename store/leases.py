"""Claims held under a lease: the compare-and-set that lets one process, and only one, take
over a claim whose holder failed or died."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from store.models import DigestRun, Nudge


def take_over(
    session: Session,
    claim: DigestRun | Nudge,
    *,
    done: str,
    working: str,
    now: datetime,
    until: datetime,
) -> bool:
    """Hold `claim` until `until`, unless it is `done` or a live holder still has it.

    Of several processes racing here, only one sees its UPDATE match a row."""
    model = type(claim)
    taken = session.execute(
        update(model)
        .where(
            model.id == claim.id,
            model.status != done,
            or_(model.status == "failed", model.lease_until <= now),
        )
        .values(status=working, lease_until=until, error=None)
    )
    if getattr(taken, "rowcount", 0) != 1:  # an UPDATE's CursorResult
        return False
    session.refresh(claim)
    return True
