"""Posting a digest's messages in order, skipping those Slack already has."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.web_api import WebApi

UNREACHABLE = ("not_in_channel", "channel_not_found", "is_archived")


class ChannelUnreachable(Exception):
    """The bot cannot post in the council's channel; `error` is Slack's reason."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def post_payload(
    client: WebApi,
    payload: dict[str, Any],
    posted: dict[int, str],
    record: Callable[[int, str], None],
) -> int:
    """Post every message not yet posted, recording each as Slack accepts it; the first
    message is the parent of the thread. Returns how many were posted now."""
    channel = payload["channel"]
    parent = posted.get(0)
    count = 0
    for position, message in enumerate(payload["messages"]):
        if position in posted:
            continue
        try:
            ts = _post(client, channel, message, parent)
        except SlackApiError as error:
            reason = str(error.response.get("error", ""))
            if reason in UNREACHABLE:
                raise ChannelUnreachable(reason) from error
            raise
        record(position, ts)
        count += 1
        if position == 0:
            parent = ts
    return count


def _post(client: WebApi, channel: str, message: dict[str, Any], parent: str | None) -> str:
    if message["kind"] == "image":
        response = client.files_upload_v2(
            channel=channel,
            file=base64.b64decode(message["png"]),
            filename="apm.png",
            title=message["title"],
        )
        return str(response["file"]["id"])
    extra = {"thread_ts": parent} if message["kind"] == "thread" else {}
    response = client.chat_postMessage(
        channel=channel,
        text=message["text"],
        blocks=message["blocks"],
        unfurl_links=False,
        **extra,
    )
    return str(response["ts"])


def tell_creator(client: WebApi, user_id: str, council: str, channel: str, error: str) -> None:
    """DM the council's creator that its digest cannot be posted, and how to fix it."""
    client.chat_postMessage(
        channel=user_id,
        text=(
            f":warning: The {council} council's digest could not be posted in {channel} "
            f"(Slack says `{error}`), so the council is paused. Invite me there with "
            f"`/invite @Pipeline Council`, then `/council resume {council}`."
        ),
    )
