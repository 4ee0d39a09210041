"""What people type, read the way they meant it, through the real HTTP endpoint: typos
and values in the wrong place get a pointer to what was meant, and `help` is each
command's own."""

from __future__ import annotations

from typing import Any

import pytest

from commands.context import Actor, Env
from commands.deals import command as deal
from commands.registry import SLASH_COMMANDS
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, post, slash_command


def ask(app: RunningApp, slack: FakeSlack, command: str, text: str) -> Any:
    seen = len(slack.calls_to("response_url"))
    post(app.events_url, slash_command(command, text, slack.response_url()), content_type=FORM)
    return slack.wait_for("response_url", seen + 1)[-1]


@pytest.mark.parametrize(
    ("command", "text", "answer"),
    [
        ("/apm", "regoin", "`regoin` is not a dimension or a period: did you mean `region`?"),
        ("/apm", "segmnt 2026-Q4", "did you mean `segment`?"),
        ("/apm", "region nxt", "Did you mean `next`?"),
        ("/coverage", "prodcut Platform", "did you mean `product`?"),
        ("/apm", "EMEA", "`EMEA` is a region value: `/apm region EMEA`"),
        ("/apm", "emea", "`emea` is a region value: `/apm region EMEA`"),
        ("/apm", "product EMEA", "`EMEA` is a region value, not a product: `/apm region EMEA`"),
        ("/coverage", "EMEA", "`EMEA` is a region value: `/coverage region EMEA`"),
        (
            "/apm",
            "region MEA",
            "`MEA` is neither a known region nor a period. Did you mean `EMEA`?",
        ),
        ("/apm", "region 2026Q4", "*APM by region · 2026-Q4"),
    ],
)
def test_a_word_in_the_wrong_place_points_at_what_was_meant(
    http_app: RunningApp, slack: FakeSlack, env: Env, maya: Actor, command, text, answer
):
    deal.run(env, maya, "new Acme region=EMEA product=Platform amount=10k close=eoq")
    deal.run(env, maya, "new Hooli region=AMER product=Platform amount=10k close=eoq")
    reply = ask(http_app, slack, command, text)
    assert answer in reply.params["text"] + str(reply.params.get("blocks"))


@pytest.mark.parametrize("command", sorted(SLASH_COMMANDS))
def test_help_is_each_commands_own(http_app: RunningApp, slack: FakeSlack, command: str):
    reply = ask(http_app, slack, command, "help")
    assert reply.params["text"] == f"{command} help"
    assert f"`{command}" in str(reply.params["blocks"])
