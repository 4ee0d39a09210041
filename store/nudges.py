"""Claims on weekly DMs: one per person, week and kind, whatever retries or extra clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.leases import take_over
from store.models import Nudge


def claim(
    session: Session,
    workspace_id: str,
    person_id: int,
    week: str,
    kind: str,
    *,
    now: datetime,
    lease_until: datetime,
) -> tuple[Nudge, bool] | None:
    """This process's claim on sending the nudge, and whether an earlier attempt may have
    sent part of it; None when it was sent or another live process is sending it. A failed
    nudge, or one whose sender died, is claimed again."""
    nudge = session.scalar(
        select(Nudge).where(Nudge.person_id == person_id, Nudge.week == week, Nudge.kind == kind)
    )
    if nudge is None:
        try:
            with session.begin_nested():
                nudge = Nudge(
                    workspace_id=workspace_id,
                    person_id=person_id,
                    week=week,
                    kind=kind,
                    status="sending",
                    lease_until=lease_until,
                )
                session.add(nudge)
            return nudge, False
        except IntegrityError:
            return None
    if not take_over(session, nudge, done="sent", working="sending", now=now, until=lease_until):
        return None
    return nudge, True


def finish(session: Session, nudge_id: int, status: str, at: datetime, error: str = "") -> None:
    nudge = session.get(Nudge, nudge_id)
    assert nudge is not None
    nudge.status = status
    nudge.sent_at = at if status == "sent" else None
    nudge.error = error or None


def settled(session: Session, person_id: int, week: str, now: datetime) -> set[str]:
    """The kinds of the person's nudges this week that are sent or being sent right now."""
    rows = session.scalars(select(Nudge).where(Nudge.person_id == person_id, Nudge.week == week))
    live = (n for n in rows if n.status == "sent" or n.lease_until > now)
    return {n.kind for n in live if n.status != "failed"}
