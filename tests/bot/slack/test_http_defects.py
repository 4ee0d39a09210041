"""Slack defects a real workspace hits, through the real HTTP endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from commands.context import Actor, Env
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
