"""One first admin: the installer becomes the admin at install, and on a workspace with
no people yet, many first commands at once still make exactly one admin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from commands import installs
from commands.context import Actor, Env
from commands.deals import command as deal
from store.models import Person
from tests.bot.slack.test_http_oauth import install
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, User, post, slash_command

INSTALLER = "U0NEWADM1"  # who the fake Slack says authorised the install
FIRST = 12
ROUNDS = 3


def roles(env: Env, workspace: str) -> dict[str, str]:
    with env.db.transaction() as session:
        people = session.scalars(select(Person).where(Person.workspace_id == workspace))
        return {str(p.slack_user_id): p.role for p in people}


@pytest.fixture
def oauth_app(env: Env, slack: FakeSlack) -> Iterator[RunningApp]:
    running = RunningApp(env, slack, oauth=True)
    yield running
    running.stop()


def test_the_installer_is_the_admin_whoever_speaks_first(
    env: Env, slack: FakeSlack, oauth_app: RunningApp
):
    assert install(oauth_app)[0] == 200
    assert roles(env, "T0NEW0001") == {INSTALLER: "admin"}
    someone = User("U0SOMEONE", "someone", "T0NEW0001")
    url = slack.response_url("first")
    post(oauth_app.events_url, slash_command("/deal", "list", url, someone), content_type=FORM)
    slack.wait_for("response_url")
    assert roles(env, "T0NEW0001") == {INSTALLER: "admin", someone.id: "rep"}


@pytest.mark.postgres
def test_twelve_first_commands_at_once_make_one_admin(env: Env, database):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers")
    for n in range(ROUNDS):
        team = f"T0RACE{n:03d}"
        installs.installed(env, team, "race")  # a row with no people, as an old install left
        start = threading.Barrier(FIRST)

        def first(i: int, team: str = team, start: threading.Barrier = start) -> object:
            start.wait()
            return deal.run(env, Actor(team, f"U0FIRST{i:02d}", f"p{i}", "slash_command"), "list")

        with ThreadPoolExecutor(FIRST) as pool:
            list(pool.map(first, range(FIRST)))
        found = roles(env, team)
        assert len(found) == FIRST
        assert sorted(found.values()).count("admin") == 1, found
