"""Slack defects a real workspace hits, through the real HTTP endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from commands.context import Actor, Env
from store.models import Council, Person
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, JO, MAYA, User, post, slash_command


def ask(app: RunningApp, slack: FakeSlack, command: str, text: str, user: User = MAYA) -> Any:
    seen = len(slack.calls_to("response_url"))
    body = slash_command(command, text, slack.response_url(), user)
    post(app.events_url, body, content_type=FORM)
    return slack.wait_for("response_url", seen + 1)[-1]


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("create <#C0DEALS01|deals>", "Only admins can create councils."),
        ("target this total closed 1M", "Only admins can set targets."),
        ("settings currency=€", "Only admins can change the workspace's settings."),
        (f"role <@{JO.id}> admin", "Only admins can change roles."),
        (f"manager <@{JO.id}> none", "Only admins can change teams."),
    ],
)
def test_each_refusal_names_what_was_refused(
    http_app: RunningApp, slack: FakeSlack, env: Env, maya: Actor, text: str, refusal: str
):
    ask(http_app, slack, "/council", "people")  # Maya first: the workspace's admin
    reply = ask(http_app, slack, "/council", text, JO)
    assert refusal in reply.params["text"]


def test_a_channel_typed_as_text_is_resolved_to_its_id_through_pages_of_the_list(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    slack.channels = {f"C0FILL{n:04}": f"fill-{n}" for n in range(250)}
    slack.channels["C9DEALS01"] = "deals"  # on the second page of 200
    created = ask(http_app, slack, "/council", "create #deals dimensions=region")
    assert "Council deals created" in created.params["text"]
    pages = slack.calls_to("conversations.list")
    assert len(pages) == 2 and pages[1].params["cursor"] == "200"
    listed = ask(http_app, slack, "/council", "list")
    assert "• *deals* in <#C9DEALS01>:" in listed.blocks()[0]["text"]["text"]
    with env.db.transaction() as session:
        assert session.scalar(select(Council.channel_id)) == "C9DEALS01"


def test_an_unknown_channel_name_is_refused_with_the_way_to_write_it(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    slack.channels = {"C0SALES01": "sales"}
    reply = ask(http_app, slack, "/council", "create #dealz")
    assert "I cannot find a channel named #dealz" in reply.params["text"]
    assert "/invite @Pipeline Council" in reply.params["text"]
    with env.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Council)) == 0


def person_named(env: Env, user_id: str) -> str | None:
    with env.db.transaction() as session:
        return session.scalar(select(Person.display_name).where(Person.slack_user_id == user_id))


def test_names_come_from_users_info_never_from_a_commands_user_name(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    vera = User("U0VERA001", "vera")
    slack.users[vera.id] = "Vera Sales"
    ask(http_app, slack, "/deal", "new Acme amount=5k", vera)
    assert person_named(env, vera.id) == "Vera Sales"
    slack.users.pop(vera.id)  # users.info fails: the name known is kept, not the handle
    reply = ask(http_app, slack, "/deal", "show Acme", vera)
    assert person_named(env, vera.id) == "Vera Sales"
    assert "*Owner:* Vera Sales" in str(reply.params["blocks"])
