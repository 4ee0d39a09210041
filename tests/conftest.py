"""Fixtures: real databases (SQLite and PostgreSQL), a controlled clock, a fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.app import web_client
from bot.slack.settings import Settings
from bot.webapi.outlet import outlets
from commands.context import Actor, Env
from store.db import Database
from tests.support.clock import FakeClock
from tests.support.cores import usable_cores
from tests.support.databases import PostgresServer, postgres_or_skip, sqlite_copy, sqlite_template
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp

# Fixtures some tests share, kept beside the helpers they go with.
pytest_plugins = ["tests.support.proxied", "tests.support.fake_salesforce"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core the container grants (not per core it can see), at
    most eight: most tests wait on sockets, so a core runs two (2 cores: 7 min 16 s with
    2 workers, 5 min 52 s with 6; the suite passed either way)."""
    return min(2 * usable_cores(), 8)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _postgres() -> Iterator[PostgresServer]:
    server = postgres_or_skip()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated store: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        db = sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)
    else:
        db = request.getfixturevalue("_postgres").fresh()
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def env(database: Database, clock: FakeClock) -> Env:
    return Env(database, clock)


@pytest.fixture
def maya() -> Actor:
    """The first person in the workspace, so its admin."""
    return Actor("T0TEST001", "U0MAYA001", "maya", "slash_command", "testteam")


@pytest.fixture
def jo() -> Actor:
    return Actor("T0TEST001", "U0JO00001", "jo", "slash_command", "testteam")


@pytest.fixture
def sam() -> Actor:
    return Actor("T0TEST001", "U0SAM0001", "sam", "slash_command", "testteam")


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack(fake_slack: FakeSlack) -> FakeSlack:
    """The fake Slack, its record cleared for this test."""
    fake_slack.clear()
    fake_slack.users = {"U0MAYA001": "maya", "U0JO00001": "jo"}
    return fake_slack


@pytest.fixture
def http_app(env: Env, slack: FakeSlack) -> Iterator[RunningApp]:
    """The bolt app over real HTTP, talking to the fake Slack."""
    running = RunningApp(env, slack)
    yield running
    running.stop()


@pytest.fixture
def client_for(slack: FakeSlack):
    """Any workspace's outlet over a Web API client, against the fake Slack; the client
    gives up on a silent call after a second, well before the fake's HANG and LATE answer."""
    client = web_client(Settings("xoxb-test", None, None, slack.api_url, timeout_seconds=1.0))
    return outlets(lambda _workspace: client)
