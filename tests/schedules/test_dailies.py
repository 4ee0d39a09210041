"""A council's daily pipeline generation post: what it says, counted by hand, and that it
goes out once a day whatever the number of rounds."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.results import Notice, Problem
from schedules.dailies import post_dailies
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack

CHANNEL = "C0SALES01"


def test_yesterdays_pipegen_the_pace_and_the_deals_once_a_day(
    env: Env, maya: Actor, clock: FakeClock, slack: FakeSlack, client_for
):
    clock.current = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # Saturday
    deal.run(env, maya, "new Umbra pilot amount=30k close=2026-12-20 source=Partner", "d0")
    clock.current = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # Sunday: "yesterday"
    deal.run(env, maya, "new Acme renewal amount=100k close=2026-12-20 source=Marketing", "d1")
    deal.run(env, maya, "new Bolt expansion amount=50k close=2027-01-20 source=AE", "d2")
    clock.current = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    council.run(env, maya, f"create <#{CHANNEL}|pipeline> dimensions=source tz=UTC", "c1")
    council.run(env, maya, "target 2026-Q4 total pipegen 1M", "t1")
    said = council.run(env, maya, "edit pipeline daily=pipegen daily_at=08:00", "e1")
    assert isinstance(said, Notice) and "every day at 08:00 UTC" in said.text
    assert post_dailies(env, client_for) == []  # 07:00: not yet
    clock.current = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    (first,) = post_dailies(env, client_for)
    assert first.status == "posted"
    assert [d.status for d in post_dailies(env, client_for)] == ["skipped"]
    (posted,) = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    text = "\n".join(b["text"]["text"] for b in posted.blocks() if b["type"] == "section")
    # Yesterday (Sunday): Acme 100k + Bolt 50k = 150k. The quarter so far: + Umbra 30k =
    # 180k. The pace: 1M x elapsed, (53 days + 8.5 h) / 92 days = 0.579932: $580k;
    # 180k / 1M = 0.18 is below 0.58 - 0.10: red.
    assert "Yesterday: *$150,000* from 2 new deals" in text
    assert "2026-Q4 so far: 🔴 $180k of $1M; the pace the target needs by now is $580k" in text
    assert "Marketing  $100,000" in text and "AE         $50,000" in text
    assert text.index("Acme renewal") < text.index("Bolt expansion")  # biggest first
    assert "Umbra" not in text
    clock.current = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert [d.status for d in post_dailies(env, client_for)] == ["posted"]  # the next day


def test_daily_settings_are_checked_and_can_be_turned_off(env: Env, maya: Actor, client_for):
    council.run(env, maya, f"create <#{CHANNEL}|pipeline> dimensions=source tz=UTC", "c1")
    wrong = council.run(env, maya, "edit pipeline daily=weekly", "e1")
    assert isinstance(wrong, Problem) and "daily is `pipegen` or `off`" in wrong.message
    council.run(env, maya, "edit pipeline daily=pipegen", "e2")
    off = council.run(env, maya, "edit pipeline daily=off", "e3")
    assert isinstance(off, Notice) and "no daily post now" in off.text
    assert post_dailies(env, client_for) == []
