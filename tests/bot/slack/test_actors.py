"""A person's name comes from Slack (users.info) and is kept in the store for a day: one
call per person a day, not one per command."""

from __future__ import annotations

from sqlalchemy import select

from bot.slack.actors import NAME_KEPT
from commands.context import Env
from store.models import Person
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, MAYA, post, slash_command


def deal(app: RunningApp, slack: FakeSlack, text: str) -> str:
    seen = len(slack.calls_to("response_url"))
    body = slash_command("/deal", text, slack.response_url(), MAYA)
    post(app.events_url, body, content_type=FORM)
    return str(slack.wait_for("response_url", seen + 1)[-1].blocks())


def asked(slack: FakeSlack) -> int:
    return len([c for c in slack.calls_to("users.info") if c.params["user"] == MAYA.id])


def test_a_name_checked_with_slack_is_kept_for_a_day(
    http_app: RunningApp, slack: FakeSlack, env: Env, clock: FakeClock
):
    slack.users[MAYA.id] = "Maya Chen"
    deal(http_app, slack, "new Acme amount=5k")  # first contact: asked, then she is added
    deal(http_app, slack, "show Acme")  # asked again, and the answer kept
    assert asked(slack) == 2
    slack.users[MAYA.id] = "Maya Chen-Okafor"  # renamed in Slack
    shown = deal(http_app, slack, "show Acme")
    assert "*Owner:* Maya Chen" in shown and "Okafor" not in shown
    assert asked(slack) == 2  # the kept name, no call

    clock.advance(seconds=NAME_KEPT.total_seconds() + 1)
    assert "*Owner:* Maya Chen-Okafor" in deal(http_app, slack, "show Acme")
    assert asked(slack) == 3
    with env.db.transaction() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == MAYA.id)).one()
    assert (person.display_name, person.name_checked_at) == ("Maya Chen-Okafor", clock())
