"""Posting so that Slack shows a message once, even when its answer is lost.

Slack has no idempotency key for `chat.postMessage`. When a post ends without an answer (a
timeout, a dropped connection), Slack may or may not have taken it, and posting again may
show it twice. So each message the bot must post once carries a key in its metadata, and
before it tries again the bot reads the conversation back for that key. An image carries
its key as its file name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from http.client import HTTPException
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.webapi.protocol import WebApi

log = logging.getLogger("council.post")

# No answer came: the call may or may not have been taken. (A URLError, a timeout and a
# reset are all OSErrors; a garbled answer is an HTTPException.)
DOUBT = (OSError, HTTPException)
EVENT_TYPE = "pipeline_council_post"
ATTEMPTS = 3
PAUSE_SECONDS = 0.5
PAGE = 100
PAGES = 5  # how far back a look reads: the newest 500 messages, or a thread's first 500


def post_once(
    client: WebApi,
    key: str,
    *,
    channel: str,
    text: str,
    look_first: bool = False,
    **fields: Any,
) -> str:
    """Post a message that Slack shows once however its answers are lost; its `ts`.

    `channel` may be a user id for a DM. `look_first` is for a retry of an earlier attempt
    that may have got through: the conversation is read for `key` before anything is posted.
    """
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key}}

    def send() -> str:
        response = client.chat_postMessage(channel=channel, text=text, metadata=metadata, **fields)
        return str(response["ts"])

    def find() -> str | None:
        return find_posted(client, channel, key, fields.get("thread_ts"))

    return _once(send, find, key, look_first)


def upload_once(
    client: WebApi,
    *,
    channel: str,
    file: bytes,
    filename: str,
    title: str,
    look_first: bool = False,
) -> str:
    """Share an image in `channel` once; its file id. `filename` must be unique to this
    image: it is how a lost answer is found again."""

    def send() -> str:
        response = client.files_upload_v2(
            channel=channel, file=file, filename=filename, title=title
        )
        return str(response["file"]["id"])

    return _once(send, lambda: find_file(client, channel, filename), filename, look_first)


def _once(
    send: Callable[[], str], find: Callable[[], str | None], what: str, look_first: bool
) -> str:
    """`send` until Slack answers, but after each attempt left unanswered, `find` first
    whether it got through after all."""
    if look_first and (found := find()):
        return found
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return send()
        except DOUBT as error:
            if attempt == ATTEMPTS:
                raise
            log.warning("no answer to %s (%r); looking before trying again", what, error)
            if found := find():
                return found
            time.sleep(PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


def find_posted(client: WebApi, channel: str, key: str, thread_ts: str | None = None) -> str | None:
    """The `ts` of the bot's message with `key` in the conversation (or thread), if any."""
    for message in _recent(client, channel, thread_ts):
        if _key_of(message) == key:
            return str(message["ts"])
    return None


def posted_keys(client: WebApi, channel: str) -> set[str]:
    """The keys of the bot's recent messages in the conversation: one look for a run of
    posts, where `look_first` would look once for each."""
    return {key for message in _recent(client, channel, None) if (key := _key_of(message))}


def _key_of(message: dict[str, Any]) -> str | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    key = payload.get("key")
    return str(key) if key else None


def find_file(client: WebApi, channel: str, filename: str) -> str | None:
    """The id of the file named `filename` recently shared in `channel`, if any."""
    for message in _recent(client, channel, None):
        for shared in message.get("files") or []:
            if shared.get("name") == filename:
                return str(shared["id"])
    return None


def _recent(client: WebApi, channel: str, thread_ts: str | None) -> Iterator[dict[str, Any]]:
    try:
        yield from _pages(client, channel, thread_ts)
    except SlackApiError as error:
        if error.response.get("error") != "missing_scope":
            raise
        # Installed before the app asked for history: it cannot look, so it posts as it
        # did then, at least once.
        log.warning("cannot read %s back (missing_scope): reinstall the app to add it", channel)


def _pages(client: WebApi, channel: str, thread_ts: str | None) -> Iterator[dict[str, Any]]:
    conversation = channel
    if channel[:1] in ("U", "W"):
        # A DM is read under its conversation's id, which only conversations.open gives.
        conversation = str(client.conversations_open(users=channel)["channel"]["id"])
    cursor = None
    for _ in range(PAGES):
        page = {"channel": conversation, "limit": PAGE, "include_all_metadata": True}
        if cursor:
            page["cursor"] = cursor
        if thread_ts:
            response = client.conversations_replies(ts=thread_ts, **page)
        else:
            response = client.conversations_history(**page)
        yield from response.get("messages") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
