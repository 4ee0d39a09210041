"""Posting once when Slack's answers are lost: timeouts and dropped connections against the
fake Web API, which keeps what each conversation shows."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot.slack.app import web_client
from bot.slack.settings import Settings
from bot.webapi.post_once import post_once, upload_once
from tests.support.fake_slack import HANG, LATE, RESET, FakeSlack

CHANNEL = "C0COUNCIL1"


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    settings = Settings("xoxb-test", None, None, slack.api_url, timeout_seconds=0.5)
    return web_client(settings)


def keys_in(slack: FakeSlack, conversation: str) -> list[Any]:
    return [
        ((m.get("metadata") or {}).get("event_payload") or {}).get("key")
        for m in slack.messages_in(conversation)
    ]


def methods(slack: FakeSlack) -> list[str]:
    return [c.method for c in slack.calls]


def test_a_post_whose_answer_is_lost_is_found_and_not_posted_again(slack: FakeSlack, client):
    slack.fail_next("chat.postMessage", LATE)
    ts = post_once(client, "digest:1:0", channel=CHANNEL, text="Pipeline council")
    assert keys_in(slack, CHANNEL) == ["digest:1:0"]
    assert ts == slack.messages_in(CHANNEL)[0]["ts"]
    assert methods(slack) == ["chat.postMessage!failed", "conversations.history"]


@pytest.mark.parametrize("fault", [HANG, RESET])
def test_a_post_that_never_arrived_is_posted_again_once(slack: FakeSlack, client, fault: int):
    slack.fail_next("chat.postMessage", fault)
    post_once(client, "digest:1:0", channel=CHANNEL, text="Pipeline council")
    assert keys_in(slack, CHANNEL) == ["digest:1:0"]
    assert methods(slack) == [
        "chat.postMessage!failed",
        "conversations.history",
        "chat.postMessage",
    ]


def test_a_dm_is_looked_for_in_the_conversation_slack_opens_for_it(slack: FakeSlack, client):
    slack.fail_next("chat.postMessage", LATE)
    post_once(client, "remind:7:2026-11-26", channel="U0JO00001", text="Due tomorrow")
    assert keys_in(slack, "U0JO00001") == ["remind:7:2026-11-26"]
    assert methods(slack) == [
        "chat.postMessage!failed",
        "conversations.open",
        "conversations.history",
    ]
    assert slack.calls_to("conversations.history")[0].params["channel"] == "D0JO00001"


def test_a_reply_in_a_thread_is_looked_for_in_its_thread(slack: FakeSlack, client):
    parent = post_once(client, "digest:1:0", channel=CHANNEL, text="Pipeline council")
    slack.fail_next("chat.postMessage", LATE)
    post_once(client, "digest:1:2", channel=CHANNEL, text="R1", thread_ts=parent)
    assert keys_in(slack, CHANNEL) == ["digest:1:0", "digest:1:2"]
    assert slack.calls_to("conversations.replies")[0].params["ts"] == parent


def test_a_lost_answer_after_a_long_history_is_still_found(slack: FakeSlack, client):
    for n in range(250):
        post_once(client, f"old:{n}", channel=CHANNEL, text=f"message {n}")
    parent = slack.messages_in(CHANNEL)[0]["ts"]
    for n in range(150):
        post_once(client, f"reply:{n}", channel=CHANNEL, text="reply", thread_ts=parent)
    slack.fail_next("chat.postMessage", LATE)
    post_once(client, "reply:new", channel=CHANNEL, text="reply", thread_ts=parent)
    assert keys_in(slack, CHANNEL).count("reply:new") == 1
    assert len(slack.calls_to("conversations.replies")) == 2  # two pages of 100


@pytest.mark.parametrize("fault, uploads", [(LATE, 1), (HANG, 2)], ids=["taken", "not taken"])
def test_an_image_whose_completion_got_no_answer_is_shared_once(
    slack: FakeSlack, client, fault: int, uploads: int
):
    slack.fail_next("files.completeUploadExternal", fault)
    file_id = upload_once(
        client, channel=CHANNEL, file=b"\x89PNG", filename="apm-digest-1-1.png", title="APM"
    )
    shared = [f for m in slack.messages_in(CHANNEL) for f in m.get("files", [])]
    assert [f["id"] for f in shared] == [file_id]
    # Taken: found by its name, not uploaded again. Not taken: uploaded a second time.
    assert len(slack.calls_to("files.getUploadURLExternal")) == uploads


def test_looking_first_finds_what_an_earlier_attempt_posted(slack: FakeSlack, client):
    first = post_once(client, "nudge:3:0", channel="U0JO00001", text="Forecast questions")
    slack.calls.clear()
    again = post_once(
        client, "nudge:3:0", channel="U0JO00001", text="Forecast questions", look_first=True
    )
    assert again == first
    assert keys_in(slack, "U0JO00001") == ["nudge:3:0"]
    assert "chat.postMessage" not in methods(slack)


def test_when_slack_never_answers_the_post_fails_and_shows_nothing(slack: FakeSlack, client):
    slack.fail_next("chat.postMessage", HANG, times=3)
    with pytest.raises(TimeoutError):
        post_once(client, "digest:1:0", channel=CHANNEL, text="Pipeline council")
    assert slack.messages_in(CHANNEL) == []


def test_calls_that_are_safe_to_repeat_are_retried_after_a_timeout(slack: FakeSlack, client):
    slack.fail_next("views.publish", HANG)
    slack.fail_next("chat.update", RESET)
    client.views_publish(user_id="U0JO00001", view={"type": "home", "blocks": []})
    client.chat_update(channel=CHANNEL, ts="1700000001.000100", text="updated")
    assert methods(slack) == [
        "views.publish!failed",
        "views.publish",
        "chat.update!failed",
        "chat.update",
    ]


def test_a_post_is_never_repeated_blindly_by_the_client(slack: FakeSlack, client):
    slack.fail_next("chat.postMessage", LATE, times=3)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel=CHANNEL, text="raw")
    assert len(slack.messages_in(CHANNEL)) == 1


def test_an_install_without_history_scopes_posts_as_before(slack: FakeSlack, client):
    slack.fail_next("chat.postMessage", HANG)
    slack.fail_next("conversations.history", 200, {"ok": False, "error": "missing_scope"})
    post_once(client, "digest:1:0", channel=CHANNEL, text="Pipeline council")
    assert keys_in(slack, CHANNEL) == ["digest:1:0"]
