"""The alert job under several clocks at once and after a failed post: every event is
alerted, none twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from commands import alerts
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from schedules.alerts import run_alerts
from store.models import Alert
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack


def test_racing_clocks_post_each_alert_once(
    env: Env, slack: FakeSlack, client_for, clock: FakeClock, maya: Actor, jo: Actor
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01")
    assert isinstance(alerts.run(env, maya, "add new won"), alerts.AlertList)
    for n in range(6):
        deal.run(env, jo, f"new Deal{n} stage=Decision amount={n + 1}0k close=2026-12-10")
    clock.advance(minutes=1)
    start = threading.Barrier(4)

    def clock_process() -> None:
        start.wait()
        run_alerts(env, client_for)

    threads = [threading.Thread(target=clock_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_alerts(env, client_for)  # and once more after them: nothing left to do
    posted = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(posted) == sorted(f"Deal alert: Deal{n} is a new deal" for n in range(6))
    with env.db.transaction() as session:
        rows = session.scalars(select(Alert)).all()
        assert len(rows) == 6 and all(a.posted_revision == a.revision == 1 for a in rows)


def test_a_failed_post_is_tried_again_and_shown_once(
    env: Env, slack: FakeSlack, client_for, clock: FakeClock, maya: Actor, jo: Actor
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01")
    alerts.run(env, maya, "add won")
    deal.run(env, jo, "new Acme stage=Decision amount=10k close=2026-12-10")
    deal.run(env, jo, "Acme stage=Closed Won")
    slack.fail_next("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    clock.advance(minutes=1)
    assert run_alerts(env, client_for) == 0
    assert run_alerts(env, client_for) == 1
    assert run_alerts(env, client_for) == 0
    assert [c.params["text"] for c in slack.calls_to("chat.postMessage")] == [
        "Deal alert: Acme won"
    ]


def test_an_hourly_digest_lists_the_hours_deals_in_one_message(
    env: Env, slack: FakeSlack, client_for, clock: FakeClock, maya: Actor, jo: Actor
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01")
    alerts.run(env, maya, "add won lost hourly")
    deal.run(env, jo, "new Acme stage=Decision amount=10k close=2026-12-10")
    deal.run(env, jo, "new Beta stage=Decision amount=20k close=2026-12-10")
    deal.run(env, jo, "Acme stage=Closed Won")
    clock.advance(minutes=20)
    deal.run(env, jo, "Beta stage=Closed Lost")
    clock.advance(minutes=1)
    assert run_alerts(env, client_for) == 0  # the hour is not over
    clock.current = datetime(2026, 11, 23, 16, 0, 30, tzinfo=UTC)
    assert run_alerts(env, client_for) == 1
    assert run_alerts(env, client_for) == 0
    (digest,) = slack.calls_to("chat.postMessage")
    assert digest.params["text"] == "Deal alerts this hour: 2 deals"
    shown = str(digest.blocks())
    assert "*Deal alerts · 2026-11-23 15:00-16:00 UTC* · 2 deals" in shown
    assert "*Acme* (#2)" in shown and "🏆 won" in shown and "*Beta* (#3)" in shown


def test_filters_by_team_dimension_size_and_an_absolute_change(
    env: Env, slack: FakeSlack, client_for, clock: FakeClock, maya: Actor, jo: Actor, sam: Actor
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01 region=EMEA")
    deal.run(env, maya, "new Seed2 stage=Decision amount=1k close=2026-12-01 region=AMER")
    council.run(env, sam, "people")
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    # Maya (admin): Sam's team's EMEA deals of 50k or more, amount moved by over 30k.
    added = alerts.run(env, maya, "add changed>30k team=<@U0SAM0001|sam> region=EMEA min=50k")
    assert isinstance(added, alerts.AlertList) and added.subscriptions[0].filters == [
        "sam's team",
        "region EMEA",
        "$50k+",
    ]
    deal.run(env, jo, "new InTeam stage=Decision amount=100k close=2026-12-10 region=EMEA")
    deal.run(env, jo, "new Amer stage=Decision amount=100k close=2026-12-10 region=AMER")
    deal.run(env, jo, "new Small stage=Decision amount=10k close=2026-12-10 region=EMEA")
    deal.run(env, maya, "new NotTeam stage=Decision amount=100k close=2026-12-10 region=EMEA")
    for name in ("InTeam", "Amer", "NotTeam"):
        deal.run(env, maya, f"{name} amount=140k")  # +40k: over 30k
    deal.run(env, maya, "Small amount=45k")  # +35k, but a 45k deal is under min=50k
    clock.advance(minutes=1)
    run_alerts(env, client_for)
    posted = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert posted == ["Deal alert: InTeam amount changed"]


def test_a_removed_subscription_sends_nothing_more(
    env: Env, slack: FakeSlack, client_for, clock: FakeClock, maya: Actor, jo: Actor
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01")
    alerts.run(env, maya, "add won daily")
    deal.run(env, jo, "new Acme stage=Decision amount=10k close=2026-12-10")
    deal.run(env, jo, "Acme stage=Closed Won")
    clock.advance(minutes=1)
    run_alerts(env, client_for)  # found, waiting for the day's end
    removed = alerts.run(env, maya, "remove 1")
    assert isinstance(removed, alerts.AlertList) and removed.subscriptions == []
    clock.current = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
    assert run_alerts(env, client_for) == 0
    assert slack.calls_to("chat.postMessage") == []
