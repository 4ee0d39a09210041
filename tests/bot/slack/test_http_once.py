"""Writes that take effect once through Slack: a double-clicked Done records one `done`, a
replayed signed slash command (same body, within Slack's five minutes) adds nothing."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import func, select

from commands.actions.results import ACTION_DONE, ActionAssigned
from commands.context import Actor, Env
from commands.councils import command as council
from commands.demo import load_demo
from store.models import ActionEvent, Deal, ForecastCall, Target
from tests.support.actions import assign_spiff
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import CHANNEL, FORM, User, block_actions, post, slash_command

MAYA = User("U0DEMO001", "maya", "local")  # the demo's admin
ADMIN = Actor("local", MAYA.id, "Maya Chen", "console")
ROUNDS = 3
CLICKS = 4


def press(button: dict[str, str], url: str) -> str:
    """A press of `button` with its own trigger id, as each click of a double click has."""
    body = block_actions(button, url, MAYA)
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["trigger_id"] = f"{int(time.time())}.{uuid.uuid4().int % 10**12}.abcd"
    return urlencode({"payload": json.dumps(payload)})


def done_events(env: Env) -> dict[int, int]:
    with env.db.transaction() as session:
        rows = session.execute(
            select(ActionEvent.action_id, func.count())
            .where(ActionEvent.kind == "done")
            .group_by(ActionEvent.action_id)
        ).all()
    return {int(a): int(n) for a, n in rows}


def test_a_double_clicked_done_records_one_done(env: Env, slack: FakeSlack, http_app: RunningApp):
    load_demo(env)
    council.run(env, ADMIN, f"create <#{CHANNEL}|pipeline> dimensions=product tz=UTC")
    owner = f"<@{MAYA.id}|maya>"
    ids = []
    for n in range(ROUNDS):
        assigned = assign_spiff(env, ADMIN, owner, key=f"k{n}", description=f"SPIFF {n}")
        assert isinstance(assigned, ActionAssigned), assigned
        ids.append(assigned.action.id)
    url = slack.response_url("done")
    with ThreadPoolExecutor(CLICKS) as pool:
        for action_id in ids:
            button = {"action_id": ACTION_DONE, "text": "Done", "value": str(action_id)}
            bodies = [press(button, url) for _ in range(CLICKS)]
            replies = list(
                pool.map(lambda b: post(http_app.events_url, b, content_type=FORM), bodies)
            )
            assert {r.status for r in replies} == {200}
    slack.wait_for("response_url", count=ROUNDS * CLICKS)
    assert done_events(env) == {i: 1 for i in ids}


def test_a_replayed_slash_command_adds_nothing(env: Env, slack: FakeSlack, http_app: RunningApp):
    load_demo(env)
    before = calls(env)
    url = slack.response_url("forecast")
    body = slash_command("/forecast", "250k", url, MAYA)
    assert post(http_app.events_url, body, content_type=FORM).status == 200
    first = slack.wait_for("response_url")[-1].params["text"]
    # An attacker (or a proxy) sends the very same signed request again, inside five minutes.
    assert post(http_app.events_url, body, content_type=FORM).status == 200
    second = slack.wait_for("response_url", count=2)[-1].params["text"]
    assert "Already done" not in first
    assert "Already done" in second
    assert calls(env) == before + 1


def calls(env: Env) -> int:
    with env.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ForecastCall)) or 0)


@pytest.mark.parametrize(
    "command, text, table",
    [
        ("/deal", "new Replayed deal amount=3k close=12/10", Deal),
        ("/actions", "comment 1 replayed note", ActionEvent),
        ("/council", "target 2026-Q4 region EMEA closed 1.5M", Target),
    ],
)
def test_every_write_command_replayed_writes_once(
    env: Env, slack: FakeSlack, http_app: RunningApp, command: str, text: str, table: type
):
    load_demo(env)
    council.run(env, ADMIN, f"create <#{CHANNEL}|pipeline> dimensions=product tz=UTC")
    assign_spiff(env, ADMIN, f"<@{MAYA.id}|maya>")
    before = rows(env, table)
    body = slash_command(command, text, slack.response_url("w"), MAYA)
    for n in (1, 2):
        assert post(http_app.events_url, body, content_type=FORM).status == 200
        slack.wait_for("response_url", count=n)
    first, second = (c.params["text"] for c in slack.calls_to("response_url"))
    assert "Already done" not in first and "Already done" in second
    assert rows(env, table) == before + 1


def rows(env: Env, table: type) -> int:
    with env.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)
