"""Real databases for tests: a migrated SQLite file per test, and a PostgreSQL database per
run whose tables are emptied between tests."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.db import Database
from store.models import Base

ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")
REQUIRED = os.environ.get("COUNCIL_REQUIRE_POSTGRES") == "1"


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file, made once and copied for each test."""
    path = directory / "template.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


def sqlite_copy(template: Path, directory: Path) -> Database:
    path = directory / "council.db"
    shutil.copy(template, path)
    return Database(f"sqlite:///{path}")


class PostgresServer:
    """One throwaway database on the local server for the whole run."""

    def __init__(self) -> None:
        self.name = f"council_test_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.url = make_url(ADMIN_URL).set(database=self.name).render_as_string(False)

    def start(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            # A test's commits need not survive a power cut; on a slow CI disk the wait
            # for each flush was most of a test.
            connection.execute(text(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off'))
        database = Database(self.url)
        database.upgrade()
        database.dispose()

    def fresh(self) -> Database:
        """The run's database with every table emptied and every sequence back at 1.

        DELETE, not TRUNCATE: on tables this small it is seven times cheaper, and it does
        not wait for an exclusive lock behind a connection a previous test left reading.
        Replica mode skips the foreign-key triggers, so the order of the tables is free."""
        database = Database(self.url)
        # slack_sdk's tables are ours by migration but not in our models.
        names = [t.name for t in Base.metadata.sorted_tables] + list(SLACK_TABLES)
        emptied = " ".join(f'DELETE FROM "{name}";' for name in names)
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "SET LOCAL statement_timeout = 0; SET LOCAL session_replication_role = replica; "
                f"{emptied} SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"
            )
        return database

    def stop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def postgres_or_skip() -> PostgresServer:
    server = PostgresServer()
    try:
        server.start()
    except Exception as error:  # any failure to reach the server means: not here
        message = f"PostgreSQL not reachable at {ADMIN_URL}: {type(error).__name__}: {error}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return server
