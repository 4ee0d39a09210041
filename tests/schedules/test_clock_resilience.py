"""One council cannot stop the clock: text typed in Slack never reaches a renderer as
markup, and a digest that fails to build leaves its run failed and retryable while every
other council's digest goes out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.run.cli import main
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules import clock
from schedules import digests as digest_jobs
from store import councils as store_councils
from store.db import Database
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "slash_command")
OTHER = Actor("T0OTHER01", "U0OTHER01", "Ola Berg", "slash_command", "other")
# Monday 15:00 in Paris: both councils (Mondays at 09:00 Paris) are due, same day.
DUE = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POISON = r"$\foo$"
FENCE = "EMEA``` *x*"


def _create(env: Env, who: Actor, channel: str, name: str) -> int:
    result = council.run(
        env,
        who,
        f"create <#{channel}|{name}> dimensions=product,region day=mon time=09:00 tz=Europe/Paris",
    )
    assert "created" in str(result), result
    with env.db.transaction() as session:
        found = store_councils.council_named(session, who.workspace_id, name)
        assert found is not None
        return found.id


@pytest.fixture
def two_councils(env: Env, clock: FakeClock) -> tuple[int, int]:
    load_demo(env)
    clock.current = DUE
    deal.run(env, OTHER, "new Other deal amount=5k close=eoq region=Nordics")
    return _create(env, ADMIN, "C0COUNCIL1", "pipeline"), _create(env, OTHER, "C0OTHER01", "other")


def _sync(env: Env, client_for: Any) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    clock.sync(scheduler, env, client_for)
    return scheduler


def _runs(env: Env, council_id: int) -> list[tuple[str, bool]]:
    with env.db.transaction() as session:
        runs = store_councils.runs_for(session, council_id)
        return [(r.status, bool(r.payload.get("messages"))) for r in runs]


def _parents(slack: FakeSlack) -> set[str]:
    return {
        c.params["channel"]
        for c in slack.calls_to("chat.postMessage")
        if "thread_ts" not in c.params and c.params["channel"].startswith("C")
    }


def test_a_region_typed_as_mathtext_or_a_code_fence_is_drawn_and_posted_as_text(
    env: Env, slack: FakeSlack, client_for: Any, two_councils: tuple[int, int]
):
    for region in (POISON, FENCE):
        made = deal.run(
            env, ADMIN, f'new "Poison {region[:4]}" amount=10k close=eoq region="{region}"'
        )
        assert getattr(made, "created", False) and made.deal.region == region, made  # type: ignore[union-attr]
    _sync(env, client_for)  # the clock's start-up: it used to die here
    assert _parents(slack) == {"C0COUNCIL1", "C0OTHER01"}
    assert [s for s, _ in _runs(env, two_councils[0])] == ["posted"]
    posted = slack.calls_to("chat.postMessage")
    texts = [json.dumps(c.blocks(), ensure_ascii=False) for c in posted]
    shown = "\n".join(texts)
    assert POISON.replace("\\", "\\\\") in shown  # drawn as typed, not as math
    # A table block's raw_text is shown as typed, nothing in it read as markup; where
    # text is mrkdwn (sections, the fallback text with its code block), the backticks
    # cannot close a code block.
    mrkdwn = [b["text"]["text"] for c in posted for b in c.blocks() if b["type"] == "section"]
    mrkdwn += [c.params["text"] for c in posted]
    assert not [t for t in mrkdwn if FENCE in t]
    assert "EMEAˋˋˋ *x*" in "\n".join(mrkdwn)
    cells = [
        cell["text"]
        for c in posted
        for b in c.blocks()
        if b["type"] == "table"
        for row in b["rows"]
        for cell in row
    ]
    assert FENCE in cells


def test_a_digest_that_fails_to_build_stops_no_other_council_and_is_retried(
    env: Env, slack: FakeSlack, client_for: Any, two_councils: tuple[int, int], monkeypatch
):
    broken, healthy = two_councils
    build = digest_jobs.build_digest

    def fails_for_one(session: Any, found: Any, now: datetime) -> Any:
        if found.id == broken:
            raise RuntimeError("the renderer choked")
        return build(session, found, now)

    monkeypatch.setattr(digest_jobs, "build_digest", fails_for_one)
    _sync(env, client_for)  # no exception escapes the clock's start-up
    assert _parents(slack) == {"C0OTHER01"}
    assert _runs(env, healthy) == [("posted", True)]
    assert _runs(env, broken) == [("failed", False)]  # retryable, not stuck `running`
    monkeypatch.setattr(digest_jobs, "build_digest", build)
    _sync(env, client_for)  # the next minute's sync retries it at once
    assert _parents(slack) == {"C0COUNCIL1", "C0OTHER01"}
    assert _runs(env, broken) == [("posted", True)]


def test_council_digest_reports_a_failed_build_and_posts_on_the_next_try(
    env: Env,
    database: Database,
    slack: FakeSlack,
    two_councils: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    build = digest_jobs.build_digest

    def fails(*args: Any) -> Any:
        raise RuntimeError("the renderer choked")

    monkeypatch.setattr(digest_jobs, "build_digest", fails)
    assert main(["digest", "--council", "pipeline", "--workspace", "local"]) == 1
    out, err = capsys.readouterr()
    assert "pipeline: failed" in out and "Traceback" not in out + err
    monkeypatch.setattr(digest_jobs, "build_digest", build)
    assert main(["digest", "--council", "pipeline", "--workspace", "local"]) == 0
    assert "pipeline: posted" in capsys.readouterr().out
