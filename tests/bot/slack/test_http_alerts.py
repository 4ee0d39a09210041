"""`/alerts` through the real signed HTTP endpoint, and the alerts the clock's job posts to
the fake Slack: each once, edited in place when the deal changes again within the hour,
batched daily for a channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from schedules.alerts import run_alerts
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, JO, MAYA, post, slash_command

CHANNEL = "C0DEALS001"


def command(app: RunningApp, slack: FakeSlack, text: str, user=MAYA):
    before = len(slack.calls_to("response_url"))
    body = slash_command("/alerts", text, slack.response_url(f"a{before}"), user)
    assert post(app.events_url, body, content_type=FORM).body == ""
    return slack.wait_for("response_url", before + 1)[-1]


def text_of(call) -> str:
    return json.dumps(call.blocks(), ensure_ascii=False)


def test_subscribing_and_the_errors(env: Env, slack: FakeSlack, http_app: RunningApp, maya: Actor):
    deal.run(env, maya, "new Seed stage=Decision amount=1k close=2026-12-01 region=EMEA")
    added = command(http_app, slack, "add won lost pushed changed>20% new>100k")
    shown = text_of(added)
    assert "Subscription 1 added: alerts go to you as they happen." in shown
    assert "amount changed by more than 20%" in shown and "new deal of $100k+" in shown
    bad = command(http_app, slack, "add wonn")
    assert "I could not read `wonn`" in bad.params["text"]
    unlinked = command(http_app, slack, "add won to=#deals")
    assert "pick the channel from Slack's list" in unlinked.params["text"]
    unknown = command(http_app, slack, "add won region=Mars")
    assert "`Mars` is not a known region. Known: EMEA" in unknown.params["text"]
    rep = command(http_app, slack, f"add won to=<#{CHANNEL}|deals>", JO)
    assert "Only managers and admins subscribe a channel" in rep.params["text"]
    missing = command(http_app, slack, "remove 7")
    assert "You have no subscription 7" in missing.params["text"]
    removed = command(http_app, slack, "remove 1")
    assert "Subscription 1 removed." in removed.params["text"]
    assert "No alert subscriptions" in text_of(command(http_app, slack, "list"))


def test_alerts_are_posted_once_and_edited_in_place(
    env: Env,
    slack: FakeSlack,
    http_app: RunningApp,
    client_for,
    clock: FakeClock,
    maya: Actor,
    jo: Actor,
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    command(http_app, slack, "add won lost pushed changed>20% new>100k")
    command(http_app, slack, "add won", JO)
    deal.run(env, jo, "new Acme stage=Decision amount=150k close=2026-12-10 region=EMEA")
    daily = command(http_app, slack, f"add lost region=EMEA daily to=<#{CHANNEL}|deals>")
    assert "alerts go to #deals daily" in daily.params["text"]
    deal.run(env, jo, "new Tiny stage=Decision amount=5k close=2026-12-10 region=EMEA")
    clock.advance(minutes=1)
    assert run_alerts(env, client_for) == 1
    first = slack.calls_to("chat.postMessage")
    assert [c.params["channel"] for c in first] == [MAYA.id]
    assert "Acme" in text_of(first[0]) and "new deal of $150k" in text_of(first[0])
    ts = slack.messages_in(MAYA.id)[0]["ts"]
    # Within the hour Acme grows 150k -> 200k (+33%, over 20%), then 200k -> 210k (+5%).
    clock.advance(minutes=10)
    deal.run(env, jo, "Acme amount=200k")
    deal.run(env, jo, "Acme amount=210k")
    clock.advance(minutes=1)
    assert run_alerts(env, client_for) == 1
    assert run_alerts(env, client_for) == 0  # nothing new: nothing posted or edited twice
    assert len(slack.calls_to("chat.postMessage")) == 1
    update = slack.calls_to("chat.update")[-1]
    assert update.params["ts"] == ts and update.params["channel"] == "D" + MAYA.id[1:]
    edited = text_of(update)
    assert "new deal of $150k" in edited and "amount $150k → $200k (+33%)" in edited
    assert "(+5%)" not in edited  # 200k -> 210k is under 20%: not an event for Maya
    # The next hour: Acme pushed to next quarter, then won; Tiny lost (a channel's daily).
    clock.current = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    deal.run(env, jo, "Acme close=2027-01-20")
    deal.run(env, jo, "Tiny stage=Closed Lost")
    clock.advance(minutes=1)
    # Maya hears of both (she subscribed to lost too), each deal its own message.
    assert run_alerts(env, client_for) == 2
    pushed, lost = (text_of(c) for c in slack.calls_to("chat.postMessage")[-2:])
    assert "Acme" in pushed and "pushed out of the quarter: close 2026-12-10 → 2027-01-20" in pushed
    assert "Tiny" in lost and "✖️ lost" in lost
    clock.advance(minutes=5)
    deal.run(env, jo, "Acme stage=Closed Won")
    clock.advance(minutes=1)
    run_alerts(env, client_for)
    by_channel = {}
    for call in slack.calls_to("chat.postMessage"):
        by_channel.setdefault(call.params["channel"], []).append(text_of(call))
    assert any("won" in t and "Acme" in t for t in by_channel[JO.id])
    assert CHANNEL not in by_channel  # the daily digest waits for the day's end
    clock.current = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    run_alerts(env, client_for)
    run_alerts(env, client_for)
    daily = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert len(daily) == 1
    assert "Deal alerts · 2026-11-23" in text_of(daily[0]) and "Tiny" in text_of(daily[0])
    assert "Acme" not in text_of(daily[0])  # won, not lost


def test_a_deal_past_its_close_date_slips_once(
    env: Env,
    slack: FakeSlack,
    http_app: RunningApp,
    client_for,
    clock: FakeClock,
    maya: Actor,
    jo: Actor,
):
    clock.current = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)
    council.run(env, maya, "people")  # Maya first: the workspace's admin
    deal.run(env, jo, "new Late stage=Decision amount=40k close=2026-11-24")
    command(http_app, slack, "add slipped")
    clock.current = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    run_alerts(env, client_for)
    clock.advance(hours=2)
    run_alerts(env, client_for)
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert "slipped past its close date 2026-11-24, still open" in text_of(posts[0])
