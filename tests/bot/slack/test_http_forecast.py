"""Forecast calls, checklist ticks, snoozes and the Home tab through the real HTTP endpoint:
signed payloads shaped as Slack sends them in, Web API calls to the fake Slack out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bot.slack.app import web_client
from bot.slack.settings import Settings
from bot.webapi.outlet import outlets
from commands.context import Actor, Env
from commands.councils import command as council
from commands.demo import load_demo
from schedules.digests import deliver
from schedules.nudges import send_nudges
from store.models import DealAnswer, DealSnooze
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    FORM,
    User,
    app_home_opened,
    block_actions,
    checkbox_action,
    post,
    slash_command,
    view_submission,
)

MAYA = User("U0DEMO001", "maya", "local")  # the demo's admin
JO = User("U0DEMO004", "jo", "local")  # a rep
LEE = User("U0DEMO005", "lee", "local")  # another rep
ADMIN = Actor("local", MAYA.id, "Maya Chen", "console")


@pytest.fixture
def demo(env: Env, clock: FakeClock):
    load_demo(env)


@pytest.fixture
def client(slack: FakeSlack):
    return web_client(Settings("xoxb-test", None, None, slack.api_url))


def command(app: RunningApp, slack: FakeSlack, name: str, text: str, user: User):
    before = len(slack.calls_to("response_url"))
    body = slash_command(name, text, slack.response_url(f"c{before}"), user)
    assert post(app.events_url, body, content_type=FORM).body == ""
    return slack.wait_for("response_url", before + 1)[-1]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def count(env: Env, model: type) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_forecast_calls_by_slash_command_show_in_the_apm(
    env: Env, slack: FakeSlack, http_app: RunningApp, demo
):
    board = command(http_app, slack, "/forecast", "", MAYA)
    assert "Forecast calls · 2026-Q4" in board.blocks()[0]["text"]["text"]
    called = command(http_app, slack, "/forecast", "region EMEA 90k", MAYA)
    assert "replaces the calculated" in called.params["text"]
    apm = command(http_app, slack, "/apm", "region", MAYA)
    shown = json.dumps(apm.blocks(), ensure_ascii=False)
    assert "$90k✎" in shown and "forecast called $90k by maya" in shown
    refused = command(http_app, slack, "/forecast", "region EMEA 1M", JO)
    assert "Only managers and admins" in refused.params["text"]


def test_the_checklist_dm_saves_each_tick_once(
    env: Env, slack: FakeSlack, http_app: RunningApp, client, demo, clock: FakeClock
):
    clock.current = clock.current.replace(hour=9)
    send_nudges(env, outlets(lambda _w: client))
    dm = next(
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == JO.id and c.params["text"].startswith("Forecast questions")
    )
    block = next(b for b in dm.blocks() if b["type"] == "actions")
    element = block["elements"][0]
    ticked = checkbox_action(element, block["block_id"], ["budget", "roi"], JO)
    assert post(http_app.events_url, ticked, content_type=FORM).status == 200
    assert post(http_app.events_url, ticked, content_type=FORM).status == 200  # redelivered
    # The ack comes first and the tick is saved just after it.
    wait_until(lambda: count(env, DealAnswer) >= 2)
    time.sleep(0.3)  # time enough for the redelivery to have saved a duplicate
    with env.db.transaction() as session:
        rows = session.execute(select(DealAnswer.question, DealAnswer.answer, DealAnswer.via))
        assert sorted(rows) == [("budget", True, "checkbox"), ("roi", True, "checkbox")]
    # Another rep's tick is refused, below the message, and saves nothing.
    url = slack.response_url("lee")
    post(
        http_app.events_url,
        checkbox_action(element, block["block_id"], ["exec"], LEE, response_url=url),
        content_type=FORM,
    )
    refusal = slack.wait_for("response_url")[-1]
    assert "answers its questions" in refusal.params["text"]
    assert count(env, DealAnswer) == 2
    # The deal card shows the answers.
    deal_id = int(block["block_id"].removeprefix("checklist:"))
    card = command(http_app, slack, "/deal", f"show #{deal_id}", JO)
    assert "✅ Budget" in json.dumps(card.blocks(), ensure_ascii=False)


def test_snooze_from_the_clean_your_room_dm(
    env: Env, slack: FakeSlack, http_app: RunningApp, client, demo, clock: FakeClock
):
    clock.current = clock.current.replace(hour=9)
    send_nudges(env, outlets(lambda _w: client))
    dm = next(
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == JO.id and c.params["text"].startswith("Clean your room")
    )
    snooze = next(
        e
        for b in dm.blocks()
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "deal.snooze"
    )
    url = slack.response_url("room")
    post(http_app.events_url, block_actions(snooze, url, JO), content_type=FORM)
    view = slack.wait_for("views.open")[0].view()
    assert view["callback_id"] == "deal_snooze"
    bad = view_submission(view, {"reason": "", "until": "2026-11-01"}, JO, "V0SNOOZE1")
    errors = json.loads(post(http_app.events_url, bad, content_type=FORM).body)
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"reason", "until"}
    assert count(env, DealSnooze) == 0
    good = view_submission(
        view, {"reason": "champion on leave until 1/10", "until": "2027-01-10"}, JO, "V0SNOOZE2"
    )
    assert post(http_app.events_url, good, content_type=FORM).body == ""
    confirmation = slack.wait_for("response_url")[-1]
    assert "until 2027-01-10: champion on leave until 1/10" in confirmation.params["text"]
    post(http_app.events_url, good, content_type=FORM)  # resubmitted
    assert count(env, DealSnooze) == 1


def test_the_home_tab_is_published_when_opened(
    env: Env, slack: FakeSlack, http_app: RunningApp, demo
):
    council.run(env, ADMIN, "create <#C0COUNCIL1|pipeline> dimensions=region tz=UTC")
    for user in (JO, MAYA):
        post(
            http_app.events_url,
            app_home_opened(f"Ev{user.id}", user),
            content_type="application/json",
        )
    published = slack.wait_for("views.publish", 2)
    by_user = {c.params["user_id"]: c.view() for c in published}
    rep = json.dumps(by_user[JO.id], ensure_ascii=False)
    assert by_user[JO.id]["type"] == "home" and len(by_user[JO.id]["blocks"]) <= 100
    assert "Your forecast" in rep and "Forecast questions to answer" in rep
    assert "Your team" not in rep
    manager = json.dumps(by_user[MAYA.id], ensure_ascii=False)
    assert "Your team" in manager and "*pipeline* total: Forecast" in manager


def test_the_digest_shows_calls_and_the_checklist_counts(env: Env, slack: FakeSlack, client, demo):
    council.run(env, ADMIN, "create <#C0COUNCIL1|pipeline> dimensions=region tz=UTC")
    from commands import forecast

    forecast.run(env, ADMIN, "region AMER 150k")
    assert deliver(env, outlets(lambda _w: client), 1).status == "posted"
    text = json.dumps([c.blocks() for c in slack.calls_to("chat.postMessage")], ensure_ascii=False)
    assert "forecast called $150k by Maya Chen" in text
    assert "Commit deals closing this quarter have all 5 questions answered yes" in text
    assert "By rep:" in text and "By region:" in text
    # The list under the count says what it counts, and agrees with what it lists.
    sections = [
        b["text"]["text"]
        for c in slack.calls_to("chat.postMessage")
        for b in c.blocks()
        if b["type"] == "section"
    ]
    lines = "\n".join(sections).split("\n")
    listed = [line for line in lines if line.startswith("• ") and "lacks" in line]
    commit = sum(", Commit): lacks" in line for line in listed)
    best = sum(", Best Case): lacks" in line for line in listed)
    assert commit and best  # the demo has gaps in both categories
    header = f"{commit + best} Commit and Best Case deals closing this quarter have gaps "
    assert f"{header}({commit} Commit, {best} Best Case):" in lines
