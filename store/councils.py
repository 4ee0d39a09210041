"""Councils and their digest runs: the claims that make each digest post exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.deals import MAX_ID
from store.leases import take_over
from store.models import Council, DigestMessage, DigestRun

# The payload's key naming the process that holds the run (no column needed for it).
HOLDER = "holder"


def councils(session: Session, workspace_id: str | None = None) -> list[Council]:
    """Live councils (not deleted), of one workspace or of all."""
    query = select(Council).where(Council.deleted.is_(False))
    if workspace_id is not None:
        query = query.where(Council.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Council.workspace_id, Council.name)))


def council_named(session: Session, workspace_id: str, name: str) -> Council | None:
    return session.scalar(
        select(Council).where(
            Council.workspace_id == workspace_id,
            Council.name == name,
            Council.deleted.is_(False),
        )
    )


def get_council(session: Session, council_id: int) -> Council | None:
    if not 0 < council_id <= MAX_ID:
        return None
    return session.get(Council, council_id)


def claim_run(
    session: Session,
    council: Council,
    week: str,
    kind: str,
    *,
    now: datetime,
    lease: timedelta,
    holder: str = "",
    resume: bool = False,
) -> DigestRun | None:
    """This process's run of the council's digest for `week`, or None when it is posted
    already or another live process holds it. A run whose holder died (its lease ran out)
    or that failed is taken over, to resume where it stopped; with `resume`, a running one
    is taken over at once (an operator who knows its holder is gone). `holder` names this
    process in the run, so one that finds it held can say who holds it."""
    run = run_of(session, council.id, week, kind)
    if run is None:
        try:
            with session.begin_nested():
                run = DigestRun(
                    workspace_id=council.workspace_id,
                    council_id=council.id,
                    week=week,
                    kind=kind,
                    status="running",
                    lease_until=now + lease,
                    started_at=now,
                    as_of=now,
                    payload={HOLDER: holder},
                )
                session.add(run)
            return run
        except IntegrityError:
            return None  # another process claimed it a moment ago
    if run.status == "posted":
        return None
    if resume and run.status == "running":
        session.execute(update(DigestRun).where(DigestRun.id == run.id).values(lease_until=now))
    if not take_over(session, run, done="posted", working="running", now=now, until=now + lease):
        return None
    run.payload = {**run.payload, HOLDER: holder}
    return run


def run_of(session: Session, council_id: int, week: str, kind: str) -> DigestRun | None:
    return session.scalar(
        select(DigestRun).where(
            DigestRun.council_id == council_id, DigestRun.week == week, DigestRun.kind == kind
        )
    )


def holder_of(run: DigestRun) -> str:
    """Who claimed the run last (a host and process), or that nobody said."""
    return str((run.payload or {}).get(HOLDER) or "an unnamed process")


def extend_lease(session: Session, run_id: int, until: datetime) -> None:
    session.execute(update(DigestRun).where(DigestRun.id == run_id).values(lease_until=until))


def posted_messages(session: Session, run_id: int) -> dict[int, str]:
    rows = session.execute(
        select(DigestMessage.position, DigestMessage.ts).where(DigestMessage.run_id == run_id)
    )
    return {position: ts for position, ts in rows}


def record_message(
    session: Session, run_id: int, position: int, channel: str, ts: str, now: datetime
) -> None:
    session.add(
        DigestMessage(run_id=run_id, position=position, channel=channel, ts=ts, posted_at=now)
    )


def finish_run(session: Session, run_id: int, status: str, now: datetime, error: str = "") -> None:
    session.execute(
        update(DigestRun)
        .where(DigestRun.id == run_id)
        .values(status=status, finished_at=now, error=error or None)
    )


def set_payload(session: Session, run_id: int, payload: dict[str, Any], as_of: datetime) -> None:
    run = session.get(DigestRun, run_id)
    holder = (run.payload or {}).get(HOLDER, "") if run is not None else ""
    session.execute(
        update(DigestRun)
        .where(DigestRun.id == run_id)
        .values(payload={**payload, HOLDER: holder}, as_of=as_of)
    )


def runs_for(session: Session, council_id: int) -> list[DigestRun]:
    return list(
        session.scalars(
            select(DigestRun).where(DigestRun.council_id == council_id).order_by(DigestRun.id)
        )
    )
