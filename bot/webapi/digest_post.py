"""Posting a digest's messages in order, skipping those Slack already has."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.webapi.post_once import post_once, upload_once
from bot.webapi.protocol import WebApi
from schedules.outlet import Unreachable

UNREACHABLE = ("not_in_channel", "channel_not_found", "is_archived")


def post_payload(
    client: WebApi,
    payload: dict[str, Any],
    posted: dict[int, str],
    record: Callable[[int, str], None],
    *,
    run_id: int,
    resumed: bool = False,
) -> int:
    """Post every message not yet posted, recording each as Slack accepts it; the first
    message is the parent of the thread. Returns how many were posted now.

    A `resumed` run may have stopped between Slack taking a message and its recording, so
    the first message not recorded is looked for before it is posted."""
    channel = payload["channel"]
    parent = posted.get(0)
    count = 0
    look_first = resumed
    for position, message in enumerate(payload["messages"]):
        if position in posted:
            continue
        try:
            ts = _post(client, channel, message, parent, f"digest:{run_id}:{position}", look_first)
        except SlackApiError as error:
            reason = str(error.response.get("error", ""))
            if reason in UNREACHABLE:
                raise Unreachable(reason) from error
            raise
        look_first = False
        record(position, ts)
        count += 1
        if position == 0:
            parent = ts
    return count


def _post(
    client: WebApi,
    channel: str,
    message: dict[str, Any],
    parent: str | None,
    key: str,
    look_first: bool,
) -> str:
    if message["kind"] == "image":
        return upload_once(
            client,
            channel=channel,
            file=base64.b64decode(message["png"]),
            filename=f"apm-{key.replace(':', '-')}.png",
            title=message["title"],
            look_first=look_first,
        )
    extra = {"thread_ts": parent} if message["kind"] == "thread" else {}
    return post_once(
        client,
        key,
        channel=channel,
        text=message["text"],
        blocks=message["blocks"],
        unfurl_links=False,
        look_first=look_first,
        **extra,
    )


def tell_creator(
    client: WebApi, user_id: str, council: str, channel: str, error: str, key: str
) -> None:
    """DM the council's creator that its digest cannot be posted, and how to fix it."""
    post_once(
        client,
        key,
        channel=user_id,
        text=(
            f":warning: The {council} council's digest could not be posted in {channel} "
            f"(Slack says `{error}`), so the council is paused. Invite me there with "
            f"`/invite @Pipeline Council`, then `/council resume {council}`."
        ),
    )
