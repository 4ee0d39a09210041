"""`council digest` is honest about a run another process holds: it says so, who holds it
and until when, exits non-zero, and `--resume` takes over a stale run at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.run.cli import main
from commands.context import Actor, Env
from commands.councils import command as council
from commands.councils.meeting import this_weeks_meeting, week_of
from commands.demo import load_demo
from store import councils as store_councils
from store.db import Database
from tests.support.fake_slack import FakeSlack

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")


@pytest.fixture
def crashed(
    env: Env, database: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> datetime:
    """A council whose run was claimed by a process that then died: `running`, leased
    until the moment returned."""
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    load_demo(env)
    council.run(env, ADMIN, "create <#C0COUNCIL1|pipeline> tz=Europe/Paris")
    with env.db.transaction() as session:
        found = store_councils.council_named(session, "local", "pipeline")
        assert found is not None
        now = datetime.now(UTC)  # the CLI's own clock is the real one
        week = week_of(this_weeks_meeting(found, now).date())
        run = store_councils.claim_run(
            session,
            found,
            week,
            "scheduled",
            now=now,
            lease=timedelta(minutes=10),
            holder="clock-7 pid 4242",
        )
        assert run is not None
        return run.lease_until


def test_a_held_run_is_reported_with_its_holder_and_a_non_zero_exit(
    crashed: datetime, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
):
    until = crashed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert main(["digest", "--council", "pipeline"]) == 1
    out = capsys.readouterr().out
    assert "in progress or stale" in out and "clock-7 pid 4242" in out and until in out, out
    assert "--resume" in out and "posted or being posted" not in out
    assert slack.calls_to("chat.postMessage") == []


def test_resume_takes_over_a_stale_run_at_once_and_posts_it_once(
    crashed: datetime, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
):
    assert main(["digest", "--council", "pipeline", "--resume"]) == 0
    assert "pipeline: posted" in capsys.readouterr().out
    posted = len(slack.calls_to("chat.postMessage"))
    assert posted > 1
    assert main(["digest", "--council", "pipeline"]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "is posted" in out
    assert main(["digest", "--council", "pipeline", "--resume"]) == 0  # nothing to take over
    assert len(slack.calls_to("chat.postMessage")) == posted
