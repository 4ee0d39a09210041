"""Reads side by side on one transaction's data (PostgreSQL), in turn elsewhere."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Workspace
from store.parallel import read_together
from store.workspaces import create_workspace

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def add_workspace(session: Session, workspace_id: str) -> None:
    create_workspace(
        session, workspace_id, name=workspace_id, stages=[], dimension_values={}, now=NOW
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Workspace)) or 0


def test_results_come_back_in_the_order_of_the_reads(database: Database):
    with database.transaction() as session:
        assert read_together(session, [lambda s: 1, lambda s: "two", lambda s: [3]]) == [
            1,
            "two",
            [3],
        ]


def test_every_reader_sees_the_same_snapshot_whatever_commits_meanwhile(database: Database):
    if database.is_sqlite:
        pytest.skip("SQLite reads in turn, in the transaction itself")
    with database.transaction() as session:
        add_workspace(session, "T0BEFORE1")
    committed = threading.Event()

    def commits_then_counts(reader: Session) -> tuple[int, str]:
        with database.transaction() as other:
            add_workspace(other, "T0DURING1")
        committed.set()
        return count(reader), str(reader.execute(text("SHOW transaction_isolation")).scalar())

    def counts_after_the_commit(reader: Session) -> int:
        assert committed.wait(10)
        return count(reader)

    with database.transaction(background=True) as session:
        first, second = read_together(session, [commits_then_counts, counts_after_the_commit])
        bound = read_together(
            session, [lambda s: s.execute(text("SHOW statement_timeout")).scalar()] * 2
        )
    # Neither reader sees the workspace committed while they read.
    assert first == (1, "repeatable read") and second == 1
    # A background transaction's readers keep its longer bound.
    assert bound == ["2min", "2min"]
    with database.transaction() as session:
        assert count(session) == 2


def test_a_transaction_that_has_written_reads_its_own_writes_in_turn(database: Database):
    with database.transaction() as session:
        add_workspace(session, "T0MINE001")
        session.flush()
        assert read_together(session, [count, count]) == [1, 1]
