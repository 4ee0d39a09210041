"""/apm and /coverage through the real HTTP endpoint."""

from __future__ import annotations

from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from tests.support.block_rules import problems
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import post, slash_command


def ask(app: RunningApp, slack: FakeSlack, command: str, text: str):
    seen = len(slack.calls_to("response_url"))
    post(
        app.events_url,
        slash_command(command, text, slack.response_url()),
        content_type="application/x-www-form-urlencoded",
    )
    return slack.wait_for("response_url", seen + 1)[-1]


def test_apm_and_coverage_reply_with_coloured_tables(
    http_app: RunningApp, slack: FakeSlack, env: Env, maya: Actor
):
    deal.run(env, maya, "new Acme product=Platform amount=250k close=eoq stage=Decision")
    council.run(env, maya, "target this product Platform closed 100k")  # a product deals have
    reply = ask(http_app, slack, "/apm", "product")
    blocks = reply.blocks()
    assert blocks[0]["text"]["text"].startswith("*APM by product · 2026-Q4 · as of")
    # Slack's table block, last, within Slack's limits (the fake Slack refuses otherwise).
    table = blocks[-1]
    assert table["type"] == "table" and problems(blocks) == []
    platform = next(r for r in table["rows"] if r[0]["text"] == "Platform")
    # Closed $0 of a $100k target, half the quarter gone or not: red.
    assert platform[2]["text"].startswith("🔴 $0")
    assert reply.params["text"].count("```") == 2 and "Platform" in reply.params["text"]
    assert reply.params["response_type"] == "ephemeral"
    coverage = ask(http_app, slack, "/coverage", "product platform")
    text = coverage.blocks()[0]["text"]["text"]
    assert "*Coverage · product Platform · 2026-Q4*" in text
    assert "🟡 *2.50x*: open pipeline $250,000 over the $100,000 that remains" in text
