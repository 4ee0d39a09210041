"""The weekly DMs against the fake Slack: on the nudge day from its hour in each person's
zone, once a week, again after a failure, never about a snoozed deal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from commands import cleanup
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from schedules.clock import follow_up
from schedules.nudges import send_nudges
from store.models import Nudge, Person
from tests.support.clock import FakeClock
from tests.support.fake_slack import HANG, LATE, FakeSlack


@pytest.fixture
def team(env: Env, maya: Actor, jo: Actor, sam: Actor, clock: FakeClock) -> int:
    """Jo has a Commit deal closing this quarter with no next step; Sam manages Jo."""
    clock.current = datetime(2026, 11, 20, 12, tzinfo=UTC)  # the Friday before
    council.run(env, maya, "people")
    saved = deal.run(env, jo, "new Acme stage=Decision amount=100k close=2026-12-10")
    deal.run(env, sam, "list")
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    return saved.deal.id  # type: ignore[union-attr]


def at(clock: FakeClock, text: str) -> None:
    clock.current = datetime.fromisoformat(text).replace(tzinfo=UTC)


def dms(slack: FakeSlack) -> list[tuple[str, str]]:
    return [(c.params["channel"], c.params["text"]) for c in slack.calls_to("chat.postMessage")]


def test_each_person_hears_once_on_the_nudge_day_from_its_hour(
    env: Env, slack: FakeSlack, client_for, team: int, clock: FakeClock
):
    at(clock, "2026-11-23T08:59")  # Monday, before 09:00 UTC
    assert send_nudges(env, client_for) == []
    at(clock, "2026-11-23T09:00")
    sent = send_nudges(env, client_for)
    assert sorted((n.user_id, n.kind) for n in sent) == [
        ("U0JO00001", "checklist"),
        ("U0JO00001", "cleanup"),
        ("U0SAM0001", "team"),
    ]
    said = dms(slack)
    assert (
        "U0JO00001",
        "Forecast questions for your Commit and Best Case deals closing in 2026-Q4",
    ) in said
    assert ("U0JO00001", "Clean your room: your stale deals: 1") in said
    assert ("U0SAM0001", "Clean your room: your team's stale deals: 1") in said
    checklist_dm = next(
        c for c in slack.calls_to("chat.postMessage") if c.params["text"].startswith("Forecast")
    )
    boxes = checklist_dm.blocks()[2]["elements"][0]
    assert boxes["type"] == "checkboxes" and len(boxes["options"]) == 5
    at(clock, "2026-11-23T17:00")
    assert send_nudges(env, client_for) == []  # once a week
    at(clock, "2026-11-24T09:00")
    assert send_nudges(env, client_for) == []  # Tuesday is not the day
    at(clock, "2026-11-30T09:05")
    assert len(send_nudges(env, client_for)) == 3  # next week, again


def test_the_hour_is_each_persons_own(
    env: Env, slack: FakeSlack, client_for, team: int, clock: FakeClock
):
    with env.db.transaction() as session:
        jo = session.scalar(select(Person).where(Person.slack_user_id == "U0JO00001"))
        assert jo is not None
        jo.timezone = "America/Los_Angeles"
    at(clock, "2026-11-23T09:00")  # 01:00 in Los Angeles
    assert [n.user_id for n in send_nudges(env, client_for)] == ["U0SAM0001"]
    at(clock, "2026-11-23T17:00")  # 09:00 in Los Angeles
    assert {n.user_id for n in send_nudges(env, client_for)} == {"U0JO00001"}


def test_a_failed_nudge_is_sent_again_next_round_and_only_once(
    env: Env, slack: FakeSlack, client_for, team: int, clock: FakeClock
):
    at(clock, "2026-11-23T09:00")
    slack.fail_next("chat.postMessage", 200, {"ok": False, "error": "fatal_error"})
    first = send_nudges(env, client_for)
    assert len(first) == 2  # the first DM failed
    with env.db.transaction() as session:
        failed = session.scalars(select(Nudge).where(Nudge.status == "failed")).all()
        assert [n.error for n in failed] == ["fatal_error"]
    at(clock, "2026-11-23T09:05")
    follow_up(env, client_for)  # the clock's five-minute job
    with env.db.transaction() as session:
        statuses = sorted(n.status for n in session.scalars(select(Nudge)))
    assert statuses == ["sent", "sent", "sent"]
    delivered = [c for c in slack.calls_to("chat.postMessage")]
    assert len(delivered) == 4  # three nudges, one message each, one of them after a failure


def test_snoozed_deals_and_switched_off_workspaces_get_no_nudge(
    env: Env, slack: FakeSlack, client_for, team: int, clock: FakeClock, jo: Actor, maya: Actor
):
    at(clock, "2026-11-23T08:00")
    cleanup.snooze(env, jo, team, "2026-12-01", "waiting for the new budget year", "k1")
    at(clock, "2026-11-23T09:00")
    kinds = sorted((n.user_id, n.kind) for n in send_nudges(env, client_for))
    # No stale deal left to nudge about; Sam still hears of the unanswered questions.
    assert kinds == [("U0JO00001", "checklist"), ("U0SAM0001", "team")]
    assert [text for who, text in dms(slack) if who == "U0SAM0001"] == [
        "Your team's forecast questions: 0/1"
    ]
    council.run(env, maya, "settings nudges=off")
    at(clock, "2026-11-30T09:00")
    assert send_nudges(env, client_for) == []
    council.run(env, maya, "settings nudges=on nudge_day=tue nudge_time=8am")
    assert send_nudges(env, client_for) == []  # Monday is no longer the day
    at(clock, "2026-12-01T08:00")
    assert {n.kind for n in send_nudges(env, client_for)} == {"checklist", "cleanup", "team"}


def test_a_nudge_cut_off_midway_sends_only_the_rest_next_round(
    env: Env, slack: FakeSlack, client_for, team: int, clock: FakeClock
):
    at(clock, "2026-11-23T09:00")
    # Jo's checklist is three messages: the second is taken but its answer lost, and Slack
    # then stays silent, so the nudge fails; the next round finds the first two.
    slack.fail_next("chat.postMessage", LATE, after=1)
    slack.fail_next("conversations.open", HANG, times=3)
    first = send_nudges(env, client_for)
    sent_to_jo = {n.kind for n in first if n.user_id == "U0JO00001"}
    assert len(sent_to_jo) == 1  # of Jo's checklist and clean-your-room DMs, one failed
    (failed,) = {"checklist", "cleanup"} - sent_to_jo
    at(clock, "2026-11-23T09:05")
    again = send_nudges(env, client_for)
    assert [(n.user_id, n.kind, n.again) for n in again] == [("U0JO00001", failed, True)]
    assert len(slack.calls_to("conversations.history")) == 1  # one look back for the retry
    for user in ("U0JO00001", "U0SAM0001"):
        texts = [m["text"] for m in slack.messages_in(user)]
        keys = [m["metadata"]["event_payload"]["key"] for m in slack.messages_in(user)]
        assert texts and len(keys) == len(set(keys)), texts
    with env.db.transaction() as session:
        assert {n.status for n in session.scalars(select(Nudge))} == {"sent"}
