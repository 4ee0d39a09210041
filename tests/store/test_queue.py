"""The work queue: a job is claimed by one taker for a lease, taken again when the lease runs
out, gone when finished, and dropped after its last failed attempt."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from store import db, queue
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


def test_work_queued_on_a_quick_connection_is_claimable_at_once(database: Database):
    with database.quick() as connection:
        queued = queue.enqueue(connection, "command", {"text": "hello"}, T0)
    with database.transaction() as session:  # another connection, another transaction
        job = queue.claim(session, T0)
    assert job is not None and (job.id, job.payload) == (queued, {"text": "hello"})


@pytest.mark.postgres
def test_a_quick_write_is_one_statement_pinged_only_when_closed_or_idle_too_long(
    database: Database, monkeypatch: pytest.MonkeyPatch
):
    if database.is_sqlite:
        pytest.skip("PostgreSQL's round trips")
    engine = database._quick_engine
    pings: list[object] = []
    statements: list[str] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    with database.quick() as connection:  # a new connection: no ping
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with database.quick() as connection:  # used a moment ago: no ping
        queue.enqueue(connection, "command", {}, T0)
    assert pings == [] and len(statements) == 1 and statements[0].startswith("INSERT")

    with database.engine.connect() as other:  # the server closes the pooled connection
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    time.sleep(0.2)  # for its end to reach our socket
    with database.quick() as connection:  # its socket says so: pinged, replaced
        queued = queue.enqueue(connection, "command", {}, T0)
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert connection.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
    assert len(pings) == 1
    with database.transaction() as session:
        assert queue.claim(session, T0, job_id=queued) is not None

    monkeypatch.setattr(db, "FRESH_SECONDS", -1.0)
    with database.quick() as connection:  # idle too long: pinged, and alive
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend
    assert len(pings) == 2
