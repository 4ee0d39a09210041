"""A durable queue of work in the store: a row per piece of work, claimed for a lease.

On PostgreSQL a claim is `SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait on each
other; on SQLite the write lock every transaction takes (BEGIN IMMEDIATE) serialises them.
A claimer that dies leaves its lease to run out, and the work is claimed again: work runs at
least once, so it must be safe to run twice (the use cases' request keys make it so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select
from sqlalchemy.orm import Session

from store.db import on_postgresql
from store.models import QueuedWork

LEASE = timedelta(minutes=2)
ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def enqueue(bind: Session | Connection, kind: str, payload: dict[str, Any], now: datetime) -> int:
    """Queue a job in one statement (an ack waits for it: no ORM flush), its id."""
    row = {"kind": kind, "payload": payload, "created_at": now, "attempts": 0}
    return bind.execute(insert(QueuedWork).values(row).returning(QueuedWork.id)).scalar_one()


def claim(
    session: Session, now: datetime, job_id: int | None = None, lease: timedelta = LEASE
) -> Job | None:
    """The oldest free job (or job `job_id`, if free), claimed until `now + lease`."""
    q = QueuedWork
    query = select(q).where(or_(q.claimed_until.is_(None), q.claimed_until <= now))
    if job_id is not None:
        query = query.where(q.id == job_id)
    if on_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    row = session.scalars(query.order_by(q.id).limit(1)).first()
    if row is None:
        return None
    row.claimed_until = now + lease
    row.attempts += 1
    session.flush()
    return Job(row.id, row.kind, dict(row.payload), row.attempts)


def finish(session: Session, job_id: int) -> None:
    """The job is done: it leaves the queue."""
    session.execute(delete(QueuedWork).where(QueuedWork.id == job_id))


def failed(session: Session, job: Job, error: str, now: datetime, retry_in: timedelta) -> bool:
    """The job failed: tried again after `retry_in`, or dropped after ATTEMPTS; whether it
    will be tried again."""
    if job.attempts >= ATTEMPTS:
        finish(session, job.id)
        return False
    row = session.get(QueuedWork, job.id)
    if row is not None:
        row.claimed_until = now + retry_in
        row.error = error[:2000]
    return True


def waiting(session: Session) -> int:
    """How many jobs are in the queue, claimed or not."""
    return len(session.scalars(select(QueuedWork.id)).all())
