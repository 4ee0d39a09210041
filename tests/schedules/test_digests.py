"""The weekly digest against the fake Slack: once, whatever races, crashes and errors."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.render.digest import MAX_BLOCKS, MAX_TEXT, _block_text, split
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from schedules import clock
from schedules.digests import Delivery, deliver, deliver_due, is_due
from store import councils as store_councils
from tests.support.block_rules import problems
from tests.support.clock import FakeClock
from tests.support.fake_slack import HANG, LATE, RESET, FakeSlack

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "slash_command")
CHANNEL = "C0COUNCIL1"


@pytest.fixture
def council_id(env: Env) -> int:
    load_demo(env)
    result = council.run(
        env,
        ADMIN,
        f"create <#{CHANNEL}|pipeline> dimensions=product,region "
        "day=mon time=09:00 tz=Europe/Paris",
    )
    assert "created" in str(result), result
    with env.db.transaction() as session:
        return store_councils.councils(session, "local")[0].id


def payload_size(env: Env, run_id: int) -> int:
    with env.db.transaction() as session:
        run = next(r for r in store_councils.runs_for(session, 1) if r.id == run_id)
        return len(run.payload["messages"])


def posts(slack: FakeSlack) -> list:
    return slack.calls_to("chat.postMessage")


def test_a_digest_posts_once_as_a_thread_with_its_image(
    env: Env, slack: FakeSlack, client_for, council_id: int
):
    first = deliver(env, client_for, council_id)
    assert first.status == "posted" and first.run_id
    messages = posts(slack)
    parent = messages[0]
    assert parent.params["channel"] == CHANNEL and "thread_ts" not in parent.params
    assert "Pipeline council · pipeline · 2026-Q4" in json.dumps(
        parent.blocks(), ensure_ascii=False
    )
    # One message per dimension (Slack allows one table a message), the demo's marketing
    # and sales section (it has MQLs), then the thread.
    tops = [m for m in messages if not m.params.get("thread_ts")]
    assert [sum(b["type"] == "table" for b in m.blocks()) for m in tops] == [1, 1, 0]
    assert [m.blocks()[-1]["type"] for m in tops] == ["table", "table", "section"]
    assert "*Marketing and sales*" in json.dumps(tops[-1].blocks(), ensure_ascii=False)
    replies = messages[len(tops) :]
    assert replies and all(r.params.get("thread_ts") for r in replies)
    button = next(b for b in replies[0].blocks() if b["type"] == "actions")["elements"][0]
    identity = json.loads(button["value"])
    assert button["action_id"] == "cell.assign" and identity["label"] == "R1"
    # The cell, and what it showed, for the owner's DM even where no record is kept.
    assert set(identity) == {
        *("council", "run", "label", "dimension", "value", "column", "period"),
        *("color", "shown"),
    }
    # The APM picture, then the pacing chart.
    assert len(slack.uploads) == 2 and all(u[:4] == b"\x89PNG" for u in slack.uploads.values())
    assert first.posted == payload_size(env, first.run_id)
    again = deliver(env, client_for, council_id)
    assert again.status == "skipped" and len(posts(slack)) == len(messages)


def test_two_clocks_racing_post_once(env: Env, slack: FakeSlack, client_for, council_id: int):
    results: list[Delivery] = []
    barrier = threading.Barrier(3)

    def race() -> None:
        barrier.wait()
        results.append(deliver(env, client_for, council_id))

    threads = [threading.Thread(target=race) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status for r in results)
    # The others found it held (or, arriving once it was done, posted already).
    assert statuses.count("posted") == 1 and set(statuses) <= {"posted", "held", "skipped"}
    run_id = next(r.run_id for r in results if r.status == "posted")
    assert len(posts(slack)) == payload_size(env, run_id) - 2  # all but the two images
    # One top-level message per dimension's table and the marketing section; the rest in
    # their thread.
    assert len([c for c in posts(slack) if "thread_ts" not in c.params]) == 3


def test_a_run_that_died_after_two_messages_resumes_with_the_third(
    env: Env, slack: FakeSlack, client_for, council_id: int, clock: FakeClock
):
    slack.fail_next("chat.postMessage", 400, {"ok": False, "error": "internal_error"}, after=2)
    failed = deliver(env, client_for, council_id)
    assert failed.status == "failed"
    done = [c.params["text"] for c in posts(slack)]
    assert len(done) == 2
    clock.advance(minutes=1)
    resumed = deliver(env, client_for, council_id)
    assert resumed.status == "posted" and resumed.run_id == failed.run_id
    texts = [c.params["text"] for c in posts(slack)]
    assert texts[:2] == done and len(texts) == len(set(texts))  # nothing posted twice
    # After the third top-level message (the marketing section), the resumed replies hang
    # off the first run's parent.
    thread = {c.params.get("thread_ts") for c in posts(slack)[3:]}
    assert len(thread) == 1 and None not in thread


def test_a_holder_that_vanished_is_taken_over_after_its_lease(
    env: Env, slack: FakeSlack, client_for, council_id: int, clock: FakeClock
):
    with env.db.transaction() as session:
        c = store_councils.get_council(session, council_id)
        assert c is not None
        from datetime import timedelta

        store_councils.claim_run(
            session, c, "2026-W48", "scheduled", now=clock.current, lease=timedelta(minutes=10)
        )
    assert deliver(env, client_for, council_id).status == "held"  # still leased
    clock.advance(minutes=11)
    assert deliver(env, client_for, council_id).status == "posted"


def test_rate_limits_and_server_errors_still_end_in_one_complete_digest(
    env: Env, slack: FakeSlack, client_for, council_id: int
):
    slack.fail_next(
        "chat.postMessage",
        429,
        {"ok": False, "error": "ratelimited"},
        headers={"Retry-After": "0"},
        after=1,
    )
    slack.fail_next("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"})
    slack.fail_next("chat.postMessage", RESET, after=1)  # a connection reset, retried
    result = deliver(env, client_for, council_id)
    assert result.status == "posted"
    assert len(slack.calls_to("chat.postMessage!failed")) == 3
    texts = [c.params["text"] for c in posts(slack)]
    assert len(texts) == payload_size(env, result.run_id or 0) - 2 == len(set(texts))


def shown(slack: FakeSlack) -> list[str]:
    """What the council's channel shows, thread included: each message's key, each image's
    file name."""
    return [
        m["metadata"]["event_payload"]["key"] if m.get("metadata") else m["files"][0]["name"]
        for m in slack.messages_in(CHANNEL)
    ]


def test_lost_answers_and_silences_still_end_in_one_complete_digest(
    env: Env, slack: FakeSlack, client_for, council_id: int
):
    slack.fail_next("chat.postMessage", LATE)  # the parent: taken, its answer lost
    slack.fail_next("chat.postMessage", HANG, after=1)  # a cell's message: never arrived
    slack.fail_next("files.completeUploadExternal", LATE)  # the image: shared, answer lost
    slack.fail_next("conversations.replies", HANG)  # and the first look itself unanswered
    result = deliver(env, client_for, council_id)
    assert result.status == "posted"
    size = payload_size(env, result.run_id or 0)
    assert len(shown(slack)) == size == len(set(shown(slack)))
    assert result.posted == size


def test_a_message_slack_took_as_the_process_stopped_is_not_posted_again(
    env: Env, slack: FakeSlack, client_for, council_id: int, clock: FakeClock, monkeypatch
):
    record = store_councils.record_message

    def stop_at_the_third(session, run_id, position, *args):
        if position == 2:
            raise RuntimeError("the process stopped")  # Slack has the message; we don't know
        return record(session, run_id, position, *args)

    monkeypatch.setattr(store_councils, "record_message", stop_at_the_third)
    stopped = deliver(env, client_for, council_id)
    assert stopped.status == "failed" and len(shown(slack)) == 3
    monkeypatch.setattr(store_councils, "record_message", record)
    clock.advance(minutes=1)
    resumed = deliver(env, client_for, council_id)
    assert resumed.status == "posted" and resumed.run_id == stopped.run_id
    size = payload_size(env, resumed.run_id or 0)
    assert len(shown(slack)) == size == len(set(shown(slack)))
    assert resumed.posted == size - 2  # the third was found, not posted


def test_not_in_channel_pauses_the_council_and_tells_its_creator(
    env: Env, slack: FakeSlack, client_for, council_id: int
):
    slack.fail_next("chat.postMessage", 200, {"ok": False, "error": "not_in_channel"})
    result = deliver(env, client_for, council_id)
    assert result.status == "paused"
    dm = posts(slack)[-1]
    assert dm.params["channel"] == "U0DEMO001" and "/invite @Pipeline Council" in dm.params["text"]
    with env.db.transaction() as session:
        c = store_councils.get_council(session, council_id)
        assert c is not None and c.paused and "not_in_channel" in (c.paused_reason or "")
    assert deliver_due(env, client_for) == []


def test_a_big_digest_is_split_within_slacks_limits(env: Env, council_id: int):
    for i in range(150):
        # multiples of a prime: no two names are one typo apart, so none is folded into another
        deal.run(env, ADMIN, f"new Deal {i} product=Product-{i * 7919:07d} amount=5k close=eoq")
    council.run(env, ADMIN, "edit pipeline dimensions=product,region,segment,source")
    from bot.render.digest import render_digest
    from commands.digest import build_digest

    with env.db.transaction() as session:
        c = store_councils.get_council(session, council_id)
        assert c is not None
        payload = render_digest(build_digest(session, c, env.now()), 1)
    main = [m for m in payload["messages"] if m["kind"] == "message"]
    assert len(main) >= 2
    for message in main:
        assert len(message["blocks"]) <= MAX_BLOCKS
        assert sum(map(_block_text, message["blocks"])) <= MAX_TEXT
        assert problems(message["blocks"]) == []
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 100}}] * 120
    assert [len(part) for part in split(blocks)] == [50, 50, 20]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daylight_saving_keeps_nine_oclock_local(env: Env, council_id: int):
    with env.db.transaction() as session:
        c = store_councils.get_council(session, council_id)
        assert c is not None
        from commands.councils.meeting import next_digest, this_weeks_meeting

        summer = this_weeks_meeting(c, at("2026-10-19T12:00"))
        winter = this_weeks_meeting(c, at("2026-10-26T12:00"))
        assert (summer.astimezone(UTC).hour, winter.astimezone(UTC).hour) == (7, 8)
        assert not is_due(winter, at("2026-10-26T07:30"))
        assert is_due(winter, at("2026-10-26T08:00"))
        assert not is_due(winter, at("2026-10-27T08:00"))  # a day late is too late
        assert next_digest(c, at("2026-10-24T12:00")).astimezone(UTC) == at("2026-10-26T08:00")


def test_the_clock_follows_the_store_and_catches_up_the_same_day(
    env: Env, slack: FakeSlack, client_for, council_id: int, clock: FakeClock
):
    scheduler = BackgroundScheduler(timezone="UTC")
    clock.current = at("2026-11-23T07:59")  # 08:59 in Paris
    clock_sync = clock_module_sync(scheduler, env, client_for)
    job = scheduler.get_job(f"council-{council_id}")
    assert job is not None and str(job.trigger.timezone) == "Europe/Paris"
    assert job.misfire_grace_time == 6 * 3600 and posts(slack) == []
    next_fire = job.trigger.get_next_fire_time(None, at("2026-11-23T07:59"))
    assert next_fire == datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    clock.current = at("2026-11-23T15:00")  # the clock was down at 9: it posts now
    clock_sync()
    assert len(posts(slack)) > 1
    council.run(env, ADMIN, "pause pipeline")
    clock_sync()
    assert scheduler.get_job(f"council-{council_id}") is None


def clock_module_sync(scheduler, env, client_for):
    def run_sync() -> None:
        clock.sync(scheduler, env, client_for)

    run_sync()
    return run_sync
