"""Reminders against the fake Slack: a reminder Slack refused, or that a reset lost, goes
out on the next round, and still only once that day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commands.actions import assign as assigning
from commands.context import Actor, Env
from commands.councils import command as council
from commands.demo import load_demo
from schedules.reminders import send_reminders
from tests.support.actions import assign_spiff
from tests.support.clock import FakeClock
from tests.support.fake_slack import HANG, LATE, RESET, FakeSlack

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")


@pytest.fixture
def due_tomorrow(env: Env, clock: FakeClock) -> None:
    load_demo(env)
    council.run(env, ADMIN, "create #pipeline dimensions=product tz=UTC")
    assigned = assign_spiff(env, ADMIN, "<@U0DEMO004|Jo Park>")
    assert isinstance(assigned, assigning.ActionAssigned)
    clock.current = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)  # the day before, 09:30


def reminded(slack: FakeSlack) -> list[str]:
    return [c.params["channel"] for c in slack.calls_to("chat.postMessage")]


@pytest.mark.parametrize(
    "failure",
    [
        (200, {"ok": False, "error": "fatal_error"}),
        (RESET, None),
    ],
    ids=["refused", "reset"],
)
def test_a_reminder_that_did_not_go_out_goes_next_round_once(
    env: Env, slack: FakeSlack, client_for, due_tomorrow: None, clock: FakeClock, failure
):
    status, body = failure
    # A reset is retried by the client; make every try of this round fail.
    slack.fail_next("chat.postMessage", status, body, times=1 if status else 3)
    assert send_reminders(env, client_for) == []
    assert reminded(slack) == []
    clock.current = clock.current.replace(minute=45)
    assert [r.why for r in send_reminders(env, client_for)] == ["tomorrow"]
    assert send_reminders(env, client_for) == []
    assert reminded(slack) == ["U0DEMO004"]


def test_a_reminder_whose_answer_is_lost_goes_out_once(
    env: Env, slack: FakeSlack, client_for, due_tomorrow: None
):
    slack.fail_next("chat.postMessage", LATE)
    assert [r.why for r in send_reminders(env, client_for)] == ["tomorrow"]
    assert len(slack.messages_in("U0DEMO004")) == 1


def test_a_reminder_slack_took_while_silent_throughout_is_not_sent_twice(
    env: Env, slack: FakeSlack, client_for, due_tomorrow: None, clock: FakeClock
):
    # Slack takes the DM but its answer is lost, and every look at the DM goes unanswered
    # too, so this round cannot tell; the next round looks first and finds it.
    slack.fail_next("chat.postMessage", LATE)
    slack.fail_next("conversations.open", HANG, times=3)
    assert send_reminders(env, client_for) == []
    clock.current = clock.current.replace(minute=45)
    assert [r.why for r in send_reminders(env, client_for)] == ["tomorrow"]
    assert send_reminders(env, client_for) == []
    assert len(slack.messages_in("U0DEMO004")) == 1
    assert len(slack.calls_to("chat.postMessage")) == 0  # the one post was the lost one
