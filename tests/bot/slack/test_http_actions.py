"""Owners for red cells through Slack: the button and form, thread replies, refusals,
retried events, and what the thread, the owner and the cell's message show."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules.digests import deliver
from store.models import Action, Person
from tests.support.fake_slack import HANG, LATE, FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    CHANNEL,
    FORM,
    User,
    app_mention,
    post,
    slash_command,
    view_submission,
)

MAYA = User("U0DEMO001", "maya", "local")  # the demo's admin
JO = User("U0DEMO004", "jo", "local")  # a rep
ADMIN = Actor("local", MAYA.id, "Maya Chen", "console")


@pytest.fixture
def digest(env: Env, slack: FakeSlack, http_app: RunningApp, client_for):
    """A council in CHANNEL and its digest, posted to the fake Slack."""
    load_demo(env)
    council.run(env, ADMIN, f"create <#{CHANNEL}|pipeline> dimensions=product tz=UTC")
    delivered = deliver(env, client_for, 1)
    assert delivered.status == "posted"
    cells = [c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    parent_ts = cells[0].params["thread_ts"]  # the digest's first message
    slack.calls.clear()
    return parent_ts, cells


def press_assign(app: RunningApp, slack: FakeSlack, cell, user: User, thread_ts: str):
    button = next(b for b in cell.blocks() if b["type"] == "actions")["elements"][0]
    payload = {
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team},
        "api_app_id": "A0COUNCIL1",
        "token": "unused",
        "container": {
            "type": "message",
            "message_ts": "1700000005.000100",
            "channel_id": CHANNEL,
            "is_ephemeral": False,
            "thread_ts": thread_ts,
        },
        "trigger_id": "1.2.3",
        "team": {"id": user.team, "domain": "demo"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "pipeline"},
        "message": {
            "type": "message",
            "ts": "1700000005.000100",
            "thread_ts": thread_ts,
            "text": cell.params["text"],
            "blocks": cell.blocks(),
        },
        "state": {"values": {}},
        "response_url": slack.response_url("press"),
        "actions": [
            {**button, "block_id": "cell-R1", "type": "button", "action_ts": "1700000100.1"}
        ],
    }
    from urllib.parse import urlencode

    post(app.events_url, urlencode({"payload": json.dumps(payload)}), content_type=FORM)


def actions_count(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def test_assign_by_button_and_form(env: Env, slack: FakeSlack, http_app: RunningApp, digest):
    parent_ts, cells = digest
    press_assign(http_app, slack, cells[0], MAYA, parent_ts)
    view = slack.wait_for("views.open")[0].view()
    assert view["callback_id"] == "action_form"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["due"]["element"]["initial_date"] == "2026-11-30"  # a week from today
    answers = {"owner": JO.id, "kind": "SPIFF", "description": "SPIFF for Analytics"}
    submission = view_submission(view, answers, user=MAYA, view_id="V0ASSIGN01")
    assert post(http_app.events_url, submission, content_type=FORM).body == ""
    thread = slack.wait_for("chat.postMessage", 2)
    confirm = next(c for c in thread if c.params.get("thread_ts") == parent_ts)
    assert "R1" in confirm.params["text"] and f"<@{JO.id}>" in confirm.params["text"]
    dm = next(c for c in thread if c.params["channel"] == JO.id)
    assert (
        "You own R1" in dm.params["text"]
        and "https://test.slack.com/archives/" in (dm.params["text"])
    )
    updated = slack.wait_for("chat.update")[0]
    assert updated.params["ts"] == "1700000005.000100"
    assert "Owner: <@U0DEMO004>" in json.dumps(updated.blocks())
    assert actions_count(env) == 1
    post(http_app.events_url, submission, content_type=FORM)  # a resubmitted modal
    assert actions_count(env) == 1


def test_a_slow_slack_during_an_assignment_shows_everything_once(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    parent_ts, cells = digest
    slack.fail_next("views.open", HANG)  # never arrived: opened on the client's retry
    press_assign(http_app, slack, cells[0], MAYA, parent_ts)
    view = slack.wait_for("views.open")[0].view()
    slack.fail_next("chat.postMessage", LATE, times=2)  # both notices taken, answers lost
    answers = {"owner": JO.id, "kind": "SPIFF", "description": "SPIFF for Analytics"}
    submission = view_submission(view, answers, user=MAYA, view_id="V0ASSIGN02")
    post(http_app.events_url, submission, content_type=FORM)
    slack.wait_for("chat.update")
    thread = [m for m in slack.messages_in(CHANNEL) if m["thread_ts"] == parent_ts]
    keys = [m["metadata"]["event_payload"]["key"] for m in thread if m.get("metadata")]
    assert keys.count("action:1:thread") == 1 and keys[-1] == "action:1:thread"
    assert [m["text"][:10] for m in slack.messages_in(JO.id)] == ["You own R1"]
    assert len(slack.calls_to("views.open")) == 1 and actions_count(env) == 1


def test_reps_may_not_assign_and_are_told_who_can(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    parent_ts, cells = digest
    post(
        http_app.events_url,
        slash_command("/deal", "list", slack.response_url(), JO),
        content_type=FORM,
    )  # Jo is known, as a rep
    slack.wait_for("response_url")
    press_assign(http_app, slack, cells[0], JO, parent_ts)
    refusal = slack.wait_for("response_url", 2)[-1]
    assert "Only managers and admins assign owners" in refusal.params["text"]
    assert slack.calls_to("views.open") == [] and actions_count(env) == 0


def test_assign_by_thread_reply_once_despite_retries(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    parent_ts, _ = digest
    slack.users[JO.id] = "jo"  # so users.info knows Jo's time zone
    body = json.loads(
        app_mention(
            f'assign R1 <@{JO.id}> "Pipeline blitz in APAC" due friday',
            event_id="Ev0ASSIGN1",
            user=MAYA,
        )
    )
    body["event"]["thread_ts"] = parent_ts
    raw = json.dumps(body)
    post(http_app.events_url, raw, content_type="application/json")
    post(
        http_app.events_url,
        raw,
        content_type="application/json",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    confirm = slack.wait_for("chat.postMessage")[0]
    assert confirm.params["thread_ts"] == parent_ts and "Pipeline blitz" in confirm.params["text"]
    assert actions_count(env) == 1
    marked = slack.wait_for("chat.update")[0]  # the R1 message now shows its owner
    assert f"Owner: <@{JO.id}> · Pipeline blitz" in json.dumps(marked.blocks(), ensure_ascii=False)
    with env.db.transaction() as session:
        action = session.scalar(select(Action))
        assert action is not None
        assert (action.kind, action.due_date.isoformat()) == ("Pipeline blitz", "2026-11-27")
        owner = session.get(Person, action.owner_id)
        assert owner is not None and owner.timezone == "Europe/Paris"  # reminders at her 9:00
        maya = session.scalar(select(Person).where(Person.slack_user_id == MAYA.id))
        assert maya is not None and maya.display_name == "Maya Chen"  # a mention renames no one


def test_a_reply_the_bot_cannot_read_gets_a_hint_and_no_guess(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    parent_ts, _ = digest
    body = json.loads(app_mention("assign R99 someone", event_id="Ev0BAD0001", user=MAYA))
    body["event"]["thread_ts"] = parent_ts
    post(http_app.events_url, json.dumps(body), content_type="application/json")
    hint = slack.wait_for("chat.postEphemeral")[0]
    assert "There is no cell R99 in this digest" in hint.params["text"]
    assert actions_count(env) == 0


def test_actions_command_lists_and_marks_done(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    deal.run(env, ADMIN, "list")
    parent_ts, _ = digest
    body = json.loads(
        app_mention(
            f'assign R1 <@{MAYA.id}> "Deal review" due 2026-12-04', event_id="Ev0ASSIGN2", user=MAYA
        )
    )
    body["event"]["thread_ts"] = parent_ts
    post(http_app.events_url, json.dumps(body), content_type="application/json")
    slack.wait_for("chat.postMessage")
    post(
        http_app.events_url,
        slash_command("/actions", "", slack.response_url("a"), MAYA),
        content_type=FORM,
    )
    listed = slack.wait_for("response_url")[0]
    assert "Your open actions* (1)" in json.dumps(listed.blocks(), ensure_ascii=False)
    post(
        http_app.events_url,
        slash_command("/actions", "done 1", slack.response_url("b"), MAYA),
        content_type=FORM,
    )
    done = slack.wait_for("response_url", 2)[-1]
    assert "Action #1: done" in done.params["text"]


def test_an_owner_picked_in_the_assign_form_is_stored_and_shown_by_name(
    env: Env, slack: FakeSlack, http_app: RunningApp, digest
):
    parent_ts, cells = digest
    slack.users["U0CAROL01"] = "Carol Diaz"  # never used the bot
    press_assign(http_app, slack, cells[0], MAYA, parent_ts)
    view = slack.wait_for("views.open")[0].view()
    answers = {"owner": "U0CAROL01", "kind": "SPIFF", "description": "SPIFF for Analytics"}
    submission = view_submission(view, answers, user=MAYA, view_id="V0ASSIGN09")
    post(http_app.events_url, submission, content_type=FORM)
    slack.wait_for("chat.update")
    with env.db.transaction() as session:
        carol = session.scalar(select(Person).where(Person.slack_user_id == "U0CAROL01"))
        assert carol is not None and carol.display_name == "Carol Diaz"
    history = slack.calls.copy()
    post(
        http_app.events_url,
        slash_command("/actions", "history 1", slack.response_url("h"), MAYA),
        content_type=FORM,
    )
    shown = slack.wait_for("response_url", 1 + sum(c.method == "response_url" for c in history))
    assert "Carol Diaz" in json.dumps(shown[-1].params)
    assert "U0CAROL01" not in shown[-1].params["text"]
