"""Engines, sessions and migrations."""

from __future__ import annotations

import ast
import functools
import logging
import os
import random
import re
import select
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.deadlines import Deadlines

if TYPE_CHECKING:
    from alembic.config import Config

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


# How long PostgreSQL may keep us waiting, chosen so that a person is told "the database is
# not answering" within 10 seconds of a command, well within their patience:
# - a new connection must be made within CONNECT_SECONDS (libpq's connect_timeout);
# - a pooled connection must answer its pre-ping within PING_SECONDS;
# - the server cancels a statement after STATEMENT_SECONDS (a clear error, the connection
#   kept), and a statement, commit or rollback not answered STATEMENT_SECONDS + 2 after it
#   was sent is given up: its socket is shut, so psycopg raises instead of waiting forever.
#   Only a silent network or server gets that far; TCP keepalives cannot tell a silent
#   server from a slow one when something in between still acknowledges our packets.
# A worst case is the ping then a fresh connect (5 s), or one statement (8 s).
CONNECT_SECONDS = 3
PING_SECONDS = 2.0
STATEMENT_SECONDS = 6
GIVE_UP_SECONDS = STATEMENT_SECONDS + 2.0
POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": CONNECT_SECONDS,
    "options": f"-c statement_timeout={STATEMENT_SECONDS * 1000} -c jit=off",
    # A peer that vanished (no answer at all, not even TCP's) is noticed within about
    # 10 + 3 x 3 s when idle, and within 9 s when data is waiting to be acknowledged.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 9000,
}
# Execution option for the few statements allowed to run long: migrations and VACUUM.
NO_DEADLINE = "council_no_deadline"
# Work nobody waits on in a conversation (a digest built for its channel) may take longer
# than a command: on a busy server, a million deals' week of changes has taken 7 s.
BACKGROUND_STATEMENT_SECONDS = 120
# A quick connection (`Database.quick`) used this recently, whose socket has nothing to
# read, is taken to be alive without a ping: pinging it on every checkout was one more
# round trip in every ack.
FRESH_SECONDS = 10.0


def _dbapi(connection: Any) -> Any:
    """The psycopg connection behind a pool's proxy (or the connection itself)."""
    return getattr(connection, "dbapi_connection", connection)


def _shut_socket(dbapi_connection: Any) -> None:
    """Shut the connection's socket from another thread: psycopg's wait on it ends at once
    with an error, and SQLAlchemy discards the connection."""
    try:
        fd = dbapi_connection.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as end:
            end.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError, ValueError) as error:  # already closed: nothing waits
        log.debug("could not shut a silent connection: %s", error)


def _give_up(dbapi_connection: Any) -> None:
    log.warning("the database did not answer in time; giving up on its connection")
    _shut_socket(dbapi_connection)


def _bounded(
    deadlines: Deadlines[Any], call: Callable[[Any], T], seconds: float
) -> Callable[[Any], T]:
    """`call(connection)`, given up after `seconds`."""

    def within(connection: Any) -> T:
        dbapi_connection = _dbapi(connection)
        deadlines.arm(dbapi_connection, seconds)
        try:
            return call(connection)
        finally:
            deadlines.disarm(dbapi_connection)

    return within


def _bound_postgres(engine: Engine) -> None:
    """Every wait on the server given up in time: statements (unless NO_DEADLINE), the
    pool's ping, commit and rollback."""
    deadlines: Deadlines[Any] = Deadlines(_give_up, every=0.2)

    def before(conn: Any, _cursor: Any, *_args: Any) -> None:
        if not conn.get_execution_options().get(NO_DEADLINE):
            deadlines.arm(conn.connection.dbapi_connection, GIVE_UP_SECONDS)

    def after(conn: Any, *_args: Any) -> None:
        deadlines.disarm(conn.connection.dbapi_connection)

    def failed(context: Any) -> None:
        if context.connection is not None and context.connection.connection is not None:
            deadlines.disarm(context.connection.connection.dbapi_connection)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
    dialect: Any = engine.dialect
    dialect.do_ping = _bounded(deadlines, dialect.do_ping, PING_SECONDS)
    dialect.do_commit = _bounded(deadlines, dialect.do_commit, GIVE_UP_SECONDS)
    dialect.do_rollback = _bounded(deadlines, dialect.do_rollback, GIVE_UP_SECONDS)


def _has_input(dbapi_connection: Any) -> bool:
    """Whether an idle connection has something to read: the server (or something between)
    closed it, or said something unasked. Asked of the socket, no round trip."""
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, dbapi_connection.OperationalError):  # closed already
        return True
    return bool(readable)


def _ping_when_doubtful(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it has not been used for
    FRESH_SECONDS or its socket says it was closed; one that does not answer is replaced
    (the pool retries the checkout)."""
    dialect = engine.dialect

    def used(_dbapi_connection: Any, record: Any) -> None:
        record.info["used"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        fresh = time.monotonic() - record.info.get("used", 0.0) <= FRESH_SECONDS
        if fresh and not _has_input(dbapi_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("a pooled connection did not answer its ping") from error

    event.listen(engine, "connect", used)
    event.listen(engine, "checkin", used)
    event.listen(engine, "checkout", checkout)


def make_engine(url: str, quick: bool = False) -> Engine:
    """An engine for `url`, with SQLite tuned for several processes on one file, and
    PostgreSQL bounded in time (see CONNECT_SECONDS); `quick`: PostgreSQL's engine for
    `Database.quick`."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if quick:
        options = POSTGRES_CONNECT_ARGS["options"] + " -c synchronous_commit=off"
        engine = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=4,
            max_overflow=4,
            connect_args=POSTGRES_CONNECT_ARGS | {"options": options},
        )
        _ping_when_doubtful(engine)
    else:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            connect_args=POSTGRES_CONNECT_ARGS,
        )
    _bound_postgres(engine)
    return engine


def on_postgresql(session: Session) -> bool:
    """Whether `session` works on PostgreSQL (else the embedded SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def _unbounded(connection: Any) -> Any:
    """`connection`, in a transaction, allowed to run long (migrations) on PostgreSQL."""
    if connection.dialect.name == "postgresql":
        # LOCAL: the pooled connection has its usual bound again after this transaction.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    return connection.execution_options(**{NO_DEADLINE: True})


def alembic_config(url: str) -> Config:
    # Alembic (with mako and pygments, ~0.17 s) is imported only when migrating.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@functools.cache
def head_revision() -> str:
    """The newest migration's revision, read from the migration files as alembic would find
    it (the one no other revises), without importing alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        revised.update([down] if isinstance(down, str) else down or ())
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


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

    @functools.cached_property
    def _quick_engine(self) -> Engine:
        return make_engine(self.url, quick=True)

    @contextmanager
    def quick(self) -> Iterator[Connection]:
        """A connection for a small write someone is waiting on (an ack waits for its work
        to be queued). On PostgreSQL each statement is its own transaction, sent in one
        round trip: autocommit, no ping for a connection used in the last FRESH_SECONDS
        that the server has not closed, and `synchronous_commit = off`, so the commit does
        not wait for the disk. What the server has taken outlives the process that sent it
        (a web process killed after its ack loses nothing) and is seen at once by every
        other connection; only a crash of the server itself within a fraction of a second
        could lose it. On SQLite: one transaction, committed on leaving."""
        if self.is_sqlite:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._quick_engine.connect() as connection:
            yield connection

    @contextmanager
    def transaction(self, commit: bool = True, *, background: bool = False) -> Iterator[Session]:
        """A session whose work is committed together, or not at all; with `commit=False`
        it is always rolled back (a dry run that sees its own writes). `background` work
        (nobody waiting in Slack) has BACKGROUND_STATEMENT_SECONDS per statement on
        PostgreSQL instead of a command's STATEMENT_SECONDS."""
        session = self._sessions()
        try:
            if background and not self.is_sqlite:
                session.connection(execution_options={NO_DEADLINE: True})
                session.execute(
                    text(f"SET LOCAL statement_timeout = {BACKGROUND_STATEMENT_SECONDS * 1000}")
                )
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
        from alembic import command

        with self.engine.begin() as connection:
            connection = _unbounded(connection)
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def is_current(self) -> bool:
        """Whether the schema is at the newest migration: one small query, no alembic (every
        CLI command asks, and alembic's own check cost 0.1 s of a 0.3 s start)."""
        with self.engine.connect() as connection:
            try:
                rows = connection.execute(text("SELECT version_num FROM alembic_version"))
                current = {row[0] for row in rows}
            except DBAPIError:  # no table yet: a new store
                connection.rollback()
                return False
        return current == {head_revision()}

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
        with self.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT", **{NO_DEADLINE: True}
        ) as c:
            # VACUUM cannot run in a transaction, so the bound is lifted for the session and
            # put back (RESET: the value the connection started with) before it is pooled.
            c.execute(text("SET statement_timeout = 0"))
            try:
                c.execute(text("VACUUM (ANALYZE) deals, deal_versions"))
            finally:
                c.execute(text("RESET statement_timeout"))

    def dispose(self) -> None:
        self.engine.dispose()
        if "_quick_engine" in self.__dict__:
            self._quick_engine.dispose()


def open_database(url: str | None = None) -> Database:
    """Open the configured store, migrating it first when it is the embedded SQLite one."""
    database = Database(url or database_url())
    database.ensure_current(auto_upgrade=database.is_sqlite)
    return database
