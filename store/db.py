"""Engines, sessions and migrations."""

from __future__ import annotations

import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("council.store")
P = ParamSpec("P")
T = TypeVar("T")
DEFAULT_URL = "sqlite:///council.db"
MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database has not been migrated to this version of the code."""


def database_url() -> str:
    """The store's URL: `DATABASE_URL`, or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    # Heroku-style URLs name the driver `postgres://`; SQLAlchemy wants psycopg named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling lets a RELEASE SAVEPOINT commit behind SQLAlchemy's
    # back; taking it over (SQLAlchemy's documented recipe) makes savepoints and rollbacks
    # exact.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the console, the web process and the clock read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead
    # of one failing when it upgrades a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite tuned for several processes on one file."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# PostgreSQL's serialization failure and deadlock: the transaction lost a race and may
# simply be run again.
TRANSIENT_STATES = {"40001", "40P01"}
ATTEMPTS = 3


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may well succeed."""
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    return state in TRANSIENT_STATES or "database is locked" in str(error.orig)


def retry_transient(work: Callable[P, T]) -> Callable[P, T]:
    """`work`, run again (up to ATTEMPTS times in all) when its transaction lost a race with
    another: a serialization failure, a deadlock, or SQLite's write lock held past its wait.
    The losing transaction was rolled back, so `work` must do its writing in one
    transaction."""

    @functools.wraps(work)
    def again(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return work(*args, **kwargs)
            except OperationalError as error:
                if not is_transient(error) or attempt == ATTEMPTS:
                    raise
                log.info("transaction lost a race (attempt %d); running it again", attempt)
                # A random pause, so two that collided do not collide again at once.
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    return again


class Database:
    """One store: an engine and the sessions made from it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Session]:
        """A session whose work is committed together, or not at all; with `commit=False`
        it is always rolled back (a dry run that sees its own writes)."""
        session = self._sessions()
        try:
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Apply every migration not yet applied."""
        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def is_current(self) -> bool:
        """Whether the schema is at the newest migration."""
        head = ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        return current == head

    def ensure_current(self, auto_upgrade: bool) -> None:
        """Migrate the embedded store on first start; refuse to run on an old server schema."""
        if self.is_current():
            return
        if auto_upgrade:
            self.upgrade()
            return
        raise SchemaOutOfDate(
            "The database schema is out of date. Run `council db upgrade` with the same "
            "DATABASE_URL, then start again."
        )

    def tidy_after_load(self) -> None:
        """After a bulk load: fresh statistics for the planner and, on PostgreSQL, the
        visibility map that lets a period's numbers come from index-only scans (autovacuum
        would get there too, later)."""
        if self.is_sqlite:
            with self.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM (ANALYZE) deals, deal_versions"))

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None) -> Database:
    """Open the configured store, migrating it first when it is the embedded SQLite one."""
    database = Database(url or database_url())
    database.ensure_current(auto_upgrade=database.is_sqlite)
    return database
