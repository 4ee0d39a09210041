"""Several reads of one transaction's data at once, each on its own connection.

A digest or an APM at a million deals is a handful of independent queries, each a
fraction of a second of one server core; PostgreSQL runs each on one core, so side by
side they finish in the time of the longest rather than of all. Each reader imports the
transaction's snapshot (`pg_export_snapshot`), so together they see exactly what one
query of the transaction would: no commit in between can split the figures.

A transaction that has written cannot share what it wrote (an imported snapshot sees
committed data only), and SQLite has one writer and nothing to gain: both read in turn,
in the transaction itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import NO_DEADLINE, on_postgresql

# Set on a reader's session: a read inside a reader runs in turn, not in more threads.
READER = "snapshot_reader"


def read_together(session: Session, reads: Sequence[Callable[[Session], Any]]) -> list[Any]:
    """Each of `reads` called with a session on `session`'s data, their results in order:
    side by side on PostgreSQL, in turn on SQLite or where they cannot share it."""
    snapshot = _shareable_snapshot(session) if len(reads) > 1 else None
    if snapshot is None:
        return [read(session) for read in reads]
    connection = session.connection()
    bound = session.execute(text("SHOW statement_timeout")).scalar_one()
    options = {NO_DEADLINE: True} if connection.get_execution_options().get(NO_DEADLINE) else {}

    def in_reader(read: Callable[[Session], Any]) -> Any:
        with Session(connection.engine) as reader:
            reader.info[READER] = True
            reader.connection(execution_options={"isolation_level": "REPEATABLE READ", **options})
            # Before any other statement of the transaction, as PostgreSQL requires.
            reader.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            reader.execute(
                text("SELECT set_config('statement_timeout', :bound, true)"), {"bound": bound}
            )
            try:
                return read(reader)
            finally:
                reader.rollback()

    # Every read in a reader, none in the transaction itself: at READ COMMITTED its next
    # statement could see a commit the readers' snapshot does not.
    with ThreadPoolExecutor(max_workers=len(reads)) as pool:
        return list(pool.map(in_reader, reads))


def _shareable_snapshot(session: Session) -> str | None:
    if not on_postgresql(session) or session.info.get(READER):
        return None
    written, snapshot = session.execute(
        text("SELECT txid_current_if_assigned(), pg_export_snapshot()")
    ).one()
    return None if written is not None else str(snapshot)
