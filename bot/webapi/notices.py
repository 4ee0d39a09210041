"""What happens in Slack once an owner is assigned: the thread, the owner, the cell."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.render.actions import DOTS, owner_mention
from bot.render.blocks import Message, context, esc, inert, render, section
from bot.render.sla import rejection_message
from bot.webapi.post_once import DOUBT, post_once
from bot.webapi.protocol import WebApi
from commands.actions.results import ActionAssigned, ActionView
from commands.sla.handoff import LeadDecided

log = logging.getLogger("council.actions")


def announce(client: WebApi, result: ActionAssigned) -> None:
    """Confirm in the digest's thread, DM the owner with a link, and mark the cell's message
    with its owner. Each step is independent: one failing does not undo the assignment."""
    action = result.action
    place = action.place
    shown = render(result)
    assert isinstance(shown, Message)
    if place.channel and place.thread_ts:
        _try(
            post_once,
            client,
            f"action:{action.id}:thread",
            channel=place.channel,
            thread_ts=place.thread_ts,
            text=shown.text,
            blocks=shown.blocks,
        )
    link = ""
    if place.channel and (place.cell_ts or place.thread_ts):
        response = _try(
            client.chat_getPermalink,
            channel=place.channel,
            message_ts=place.cell_ts or place.thread_ts,
        )
        link = f" <{response['permalink']}|Open the thread>" if response else ""
    if action.owner_user_id:
        _try(
            post_once,
            client,
            f"action:{action.id}:owner",
            channel=action.owner_user_id,
            text=owner_dm(action, link),
        )
    if place.channel and place.cell_ts:
        # The cell's message keeps its line and trades its button for its owner.
        marked = [
            section(f"{esc(action.label)} · {esc(action.cell)}"),
            context(
                f"Owner: {owner_mention(action)} · {esc(action.kind)} · due "
                f"{action.due:%a %Y-%m-%d}"
            ),
        ]
        _try(
            client.chat_update,
            channel=place.channel,
            ts=place.cell_ts,
            text=shown.text,
            blocks=marked,
        )


def owner_dm(action: ActionView, link: str) -> str:
    """The owner's DM: mrkdwn, so every typed part is inert (a description holding
    `<!channel>` or a labelled link must not broadcast or sit beside the real link)."""
    return (
        f"You own {inert(action.label)} ({inert(action.cell)}) in the {inert(action.council)} "
        f"council: {inert(action.kind)}: {inert(action.description)}, due "
        f"{action.due:%a %Y-%m-%d}. {when_assigned(action)}{link}"
    )


def when_assigned(action: ActionView) -> str:
    """`When assigned it was 🔴 $16.2k.`: the cell's colour and value then."""
    if not action.shown_at:
        return "The digest kept no value for it when assigned."
    dot = DOTS.get(action.color_at or "", "⚪")
    return f"When assigned it was {dot} {inert(action.shown_at)}."


def _try(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    name = getattr(call, "__name__", "call")
    try:
        return call(*args, **kwargs)
    except SlackApiError as error:
        log.warning("%s failed: %s", name, error.response.get("error"))
    except DOUBT as error:
        log.warning("%s got no answer: %r", name, error)
    return None


def tell_marketing(client: WebApi, result: LeadDecided) -> None:
    """A rejected lead goes back to marketing's channel with its reason, once."""
    assert result.marketing_channel
    shown = rejection_message(result)
    # The rejection is saved either way; /sla shows it and its reason.
    _try(
        post_once,
        client,
        f"lead-rejected:{result.lead.id}",
        channel=result.marketing_channel,
        text=shown.text,
        blocks=shown.blocks,
    )
