"""One rule decides a payload's workspace: the installation bolt authorised it with (its
token's team, or the organisation for an org-wide install). With T1 and T2 installed by
OAuth, a signed payload that names T2 but is authorised for T1 acts on T1's data only, on
every path: a command, a button, a mention, App Home, a form, and `app_uninstalled`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import select, text

from commands.context import Env
from store.models import Deal
from tests.bot.slack.test_http_oauth import install
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    FORM,
    User,
    app_home_opened,
    app_mention,
    block_actions,
    event_callback,
    post,
    slash_command,
    view_submission,
)

JSON = "application/json"
T1, T2 = "T0NEW0001", "T0NEW0002"
ONE = User("U0NEWADM1", "oneadmin", T1)  # the installer of T1
TWO = User("U0TWOADM1", "twoadmin", T2)
SECRET = "Secret two deal"


@pytest.fixture
def two_workspaces(env: Env, slack: FakeSlack) -> Iterator[RunningApp]:
    """T1 and T2 installed by OAuth; T2 has a deal T1 must never see or touch."""
    running = RunningApp(env, slack, oauth=True)
    for admin in (ONE, TWO):
        slack.oauth_team, slack.oauth_user = admin.team, admin.id
        assert install(running)[0] == 200
    url = slack.response_url("two")
    body = slash_command("/deal", f'new "{SECRET}" amount=7k close=12/10', url, TWO)
    post(running.events_url, body, content_type=FORM)
    assert "Created" in slack.wait_for("response_url")[-1].params["text"]
    slack.calls.clear()
    yield running
    running.stop()


def authorised_for(body: str, team: str) -> str:
    """An Events API body naming its team as before, authorised for `team`."""
    envelope = json.loads(body)
    envelope["authorizations"][0]["team_id"] = team
    return json.dumps(envelope)


def amount_of_secret(env: Env) -> Decimal | None:
    with env.db.transaction() as session:
        return session.scalars(select(Deal.amount).where(Deal.name == SECRET)).one()


def sent_texts(slack: FakeSlack) -> str:
    return json.dumps([c.params for c in slack.calls])


def test_a_mention_naming_t2_authorised_for_t1_shows_nothing_of_t2(
    env: Env, slack: FakeSlack, two_workspaces: RunningApp
):
    body = authorised_for(app_mention(f"deal show {SECRET}", "Ev0MENTION1", TWO), T1)
    assert post(two_workspaces.events_url, body, content_type=JSON).status == 200
    shown = slack.wait_for("chat.postEphemeral")[-1]
    assert shown.headers.get("Authorization") == f"Bearer xoxb-installed-{T1}"
    assert "7,000" not in sent_texts(slack) and "No deal" in shown.params["text"]


def test_app_home_naming_t2_authorised_for_t1_publishes_nothing_of_t2(
    env: Env, slack: FakeSlack, two_workspaces: RunningApp
):
    body = authorised_for(app_home_opened("Ev0HOME0001", TWO), T1)
    assert post(two_workspaces.events_url, body, content_type=JSON).status == 200
    published = slack.wait_for("views.publish")[-1]
    assert published.headers.get("Authorization") == f"Bearer xoxb-installed-{T1}"
    assert SECRET not in sent_texts(slack)


def test_a_form_naming_t2_installed_in_t1_changes_nothing_of_t2(
    env: Env, slack: FakeSlack, two_workspaces: RunningApp
):
    url = slack.response_url("edit")
    body = slash_command("/deal", f'edit "{SECRET}"', url, TWO)
    post(two_workspaces.events_url, body, content_type=FORM)
    view = slack.wait_for("views.open")[-1].view()
    payload = json.loads(parse_qs(view_submission(view, {"amount": "1"}, TWO))["payload"][0])
    payload["view"]["app_installed_team_id"] = T1  # the modal was opened by T1's install
    sent = urlencode({"payload": json.dumps(payload)})
    assert post(two_workspaces.events_url, sent, content_type=FORM).status == 200
    time.sleep(0.3)
    assert amount_of_secret(env) == Decimal(7000)


def test_app_uninstalled_naming_t2_authorised_for_t1_removes_t1s_installation(
    env: Env, slack: FakeSlack, two_workspaces: RunningApp
):
    body = authorised_for(event_callback({"type": "app_uninstalled"}, "Ev0UNINST01", T2), T1)
    assert post(two_workspaces.events_url, body, content_type=JSON).status == 200
    deadline = time.monotonic() + 10
    while True:
        with env.db.transaction() as session:
            teams = set(session.execute(text("SELECT team_id FROM slack_bots")).scalars())
        if teams != {T1, T2} or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert teams == {T2}


def test_commands_and_buttons_act_in_the_authorised_workspace(
    env: Env, slack: FakeSlack, two_workspaces: RunningApp
):
    url = slack.response_url("one")
    post(
        two_workspaces.events_url,
        slash_command("/deal", f"show {SECRET}", url, ONE),
        content_type=FORM,
    )
    reply = slack.wait_for("response_url")[-1]
    assert "7,000" not in reply.params["text"] and "No deal" in reply.params["text"]
    slack.calls.clear()
    button = {"action_id": "deal_snooze", "text": "Snooze", "value": "1"}
    post(two_workspaces.events_url, block_actions(button, url, ONE), content_type=FORM)
    slack.wait_for("response_url")
    assert SECRET not in sent_texts(slack)
