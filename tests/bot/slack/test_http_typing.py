"""What people type, read the way they meant it, through the real HTTP endpoint: typos
and values in the wrong place get a pointer to what was meant, and `help` is each
command's own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from commands.context import Actor, Env
from commands.deals import command as deal
from commands.registry import SLASH_COMMANDS
from store.models import Deal
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


def saved(env: Env, name: str) -> tuple[object, object]:
    with env.db.transaction() as session:
        found = session.scalars(select(Deal).where(Deal.name == name)).one()
        return found.amount, found.close_date


def test_every_command_shares_one_reading_of_amounts_dates_and_the_locale(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    refused = ask(http_app, slack, "/deal", "new Acme amount=€50k")
    assert "`€50k` is in EUR, but this workspace counts in $" in refused.params["text"]
    ask(http_app, slack, "/deal", "new Acme amount=1.2m close=Q1")
    assert saved(env, "Acme") == (Decimal("1200000.00"), date(2027, 3, 31))
    ask(http_app, slack, "/deal", 'new Globex amount="120 k" close="in two weeks"')
    assert saved(env, "Globex") == (Decimal("120000.00"), date(2026, 12, 7))
    target = ask(http_app, slack, "/council", "target this total closed 300 k")
    assert "$300,000" in target.params["text"]
    us = ask(http_app, slack, "/deal", "new Hooli close=15/01/2027")
    assert "`15/01/2027` is not a date in en_US" in us.params["text"]
    ask(http_app, slack, "/council", "settings locale=de_DE")
    ask(http_app, slack, "/deal", "new Hooli close=15/01/2027 amount=$1,5M")
    assert saved(env, "Hooli") == (Decimal("1500000.00"), date(2027, 1, 15))
    ask(http_app, slack, "/deal", "new Initech close=31.12.2026")
    assert saved(env, "Initech")[1] == date(2026, 12, 31)
    snoozed = ask(http_app, slack, "/deal", 'snooze Hooli until=15/01/2027 reason="on leave"')
    assert "2027-01-15" in snoozed.params["text"] + str(snoozed.params.get("blocks"))
    shown = ask(http_app, slack, "/council", "settings")
    assert "locale `de_DE`" in str(shown.params["blocks"])
