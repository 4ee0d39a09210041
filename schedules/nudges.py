"""Sending the weekly DMs: forecast questions, clean your room, and managers' team totals."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.cleanup_render import room_messages
from bot.forecast_render import checklist_messages
from bot.post_once import post_once, posted_keys
from bot.render import Message, render
from commands.checklist import Checklist
from commands.cleanup import CleanRoom
from commands.context import Env
from commands.nudges import Content, Nudge, finish, nudges_due
from schedules.digests import ClientFor

log = logging.getLogger("council.nudges")


def messages_of(content: Content) -> list[Message]:
    """A nudge's content as the DMs that carry it, in order."""
    if isinstance(content, Checklist):
        return checklist_messages(content)
    if isinstance(content, CleanRoom):
        return room_messages(content)
    shown = render(content)
    assert isinstance(shown, Message)
    return [shown]


def send_nudges(env: Env, client_for: ClientFor, workspace: str | None = None) -> list[Nudge]:
    """DM everyone (of every workspace, or of one) whose weekly nudges are due; each kind
    goes out once a week. A nudge Slack refused is marked failed, and the next round sends
    it again."""
    sent = []
    for nudge in nudges_due(env, env.now(), workspace):
        try:
            client = client_for(nudge.workspace_id)
            messages = [m for content in nudge.contents for m in messages_of(content)]
            # A retry reads the DM back once for what the failed attempt got through.
            already = posted_keys(client, nudge.user_id) if nudge.again else set()
            for position, message in enumerate(messages):
                key = f"nudge:{nudge.id}:{position}"
                if key not in already:
                    post_once(
                        client, key, channel=nudge.user_id, text=message.text, blocks=message.blocks
                    )
        except SlackApiError as error:
            reason = str(error.response.get("error"))
            log.warning("%s nudge to %s not sent: %s", nudge.kind, nudge.user_id, reason)
            finish(env, nudge, reason)
            continue
        except Exception as error:
            log.exception("%s nudge to %s failed", nudge.kind, nudge.user_id)
            finish(env, nudge, repr(error)[:500])
            continue
        finish(env, nudge)
        sent.append(nudge)
    return sent
