"""The work queue: a job is claimed by one taker for a lease, taken again when the lease runs
out, gone when finished, and dropped after its last failed attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import queue
from store.db import Database

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_claimed_job_is_nobody_elses_until_its_lease_runs_out(database: Database):
    with database.transaction() as session:
        first = queue.enqueue(session, "command", {"n": 1}, T0)
        second = queue.enqueue(session, "command", {"n": 2}, T0)
    with database.transaction() as session:
        job = queue.claim(session, T0)
    assert job is not None and (job.id, job.payload, job.attempts) == (first, {"n": 1}, 1)
    with database.transaction() as session:
        assert queue.claim(session, T0, job_id=first) is None  # held
        other = queue.claim(session, T0)
    assert other is not None and other.id == second
    with database.transaction() as session:
        assert queue.claim(session, T0 + timedelta(seconds=30)) is None  # both held
        again = queue.claim(session, T0 + queue.LEASE)  # the first taker died
    assert again is not None and (again.id, again.attempts) == (first, 2)
    with database.transaction() as session:
        queue.finish(session, first)
        queue.finish(session, second)
        assert queue.waiting(session) == 0


def test_a_failing_job_is_tried_again_later_then_dropped(database: Database):
    with database.transaction() as session:
        queue.enqueue(session, "press", {}, T0)
    at = T0
    kept = []
    for _ in range(queue.ATTEMPTS):
        with database.transaction() as session:
            job = queue.claim(session, at)
            assert job is not None
            kept.append(queue.failed(session, job, "boom", at, timedelta(seconds=10)))
        with database.transaction() as session:
            assert queue.claim(session, at + timedelta(seconds=9)) is None  # not yet
        at += timedelta(seconds=10)
    assert kept == [True] * (queue.ATTEMPTS - 1) + [False]
    with database.transaction() as session:
        assert queue.waiting(session) == 0
