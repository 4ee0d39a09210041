from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.db import Database, SchemaOutOfDate, database_url, open_database


def test_migrations_bring_a_database_to_head(database: Database):
    assert database.is_current()
    tables = set(inspect(database.engine).get_table_names())
    assert {"workspaces", "people", "stages", "deals", "deal_versions", "processed_keys"} <= tables


def test_the_embedded_store_migrates_itself_on_first_start(tmp_path: Path):
    database = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert database.is_current()
    database.dispose()


def test_a_server_database_behind_the_code_is_refused_with_instructions(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(SchemaOutOfDate, match="council db upgrade"):
        database.ensure_current(auto_upgrade=False)
    database.upgrade()
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDate):
        database.ensure_current(auto_upgrade=False)


def test_database_url_defaults_to_the_embedded_file_and_names_the_driver(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///council.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/council")
    assert database_url() == "postgresql+psycopg://u:p@db/council"


def test_the_migrations_build_exactly_the_models(database: Database):
    """Autogenerate finds nothing to add or drop: the tables are our models and slack_sdk's
    installation and state stores' own."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore as I
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore as S
    from sqlalchemy import MetaData

    from store.models import Base

    # slack_sdk's OAuth stores' tables as slack_sdk defines them, beside ours.
    expected = MetaData()
    I.build_installations_table(expected, I.default_installations_table_name)
    I.build_bots_table(expected, I.default_bots_table_name)
    S.build_oauth_states_table(expected, S.default_table_name)
    for table in Base.metadata.tables.values():
        table.to_metadata(expected)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, expected)
    assert differences == []


def test_only_lost_races_are_worth_running_again():
    from sqlalchemy.exc import OperationalError

    from store.db import is_transient

    class Orig(Exception):
        def __init__(self, sqlstate: str | None, text: str = "") -> None:
            super().__init__(text)
            self.sqlstate = sqlstate

    assert is_transient(OperationalError("x", {}, Orig("40001")))  # serialization failure
    assert is_transient(OperationalError("x", {}, Orig("40P01")))  # deadlock
    assert is_transient(OperationalError("x", {}, Orig(None, "database is locked")))
    assert not is_transient(OperationalError("x", {}, Orig("08006")))  # connection lost
    assert not is_transient(ValueError("40001"))


def test_the_cheap_schema_check_finds_the_head_alembic_finds():
    from alembic.script import ScriptDirectory

    from store.db import alembic_config, head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()


def test_background_work_may_run_longer_than_a_command(database: Database):
    """A digest nobody waits on in Slack may outlast a command's 6 s bound (and the 8 s
    after which a silent server is given up), and the pooled connection is bounded again
    for the next transaction."""
    if database.is_sqlite:
        pytest.skip("SQLite bounds no statement")
    with database.transaction(background=True) as session:
        session.execute(text("SELECT pg_sleep(8.5)"))
        assert session.execute(text("SHOW statement_timeout")).scalar_one() == "2min"
    with database.transaction() as session:
        assert session.execute(text("SHOW statement_timeout")).scalar_one() == "6s"
