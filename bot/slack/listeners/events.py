"""Events: a mention runs a command in place; a redelivered event has no second effect."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.render import Message, Modal, render
from bot.render.blocks import section
from bot.render.failures import reply_on_failure
from bot.render.home import home_view
from bot.slack import actors
from bot.webapi.notices import announce
from commands.actions import assign as assigning
from commands.context import Env
from commands.deals import command as deal
from commands.delivery import first_delivery
from commands.home import build_home
from commands.results import Duplicate, Notice

LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
HINT = (
    "Mention me with a /deal command, for example "
    "`@Pipeline Council deal Acme renewal stage=Decision`, or in a digest's thread assign a "
    'cell: `@Pipeline Council assign R3 @jane "SPIFF for EMEA" due friday`.'
)


def register(app: App, env: Env) -> None:
    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        actor = replace(actors.from_event(event, context), via="home")
        # Nothing to tell the person on failure but an honest Home tab.
        with reply_on_failure(lambda text: publish_text(client, actor.user_id, text), "home"):
            client.views_publish(user_id=actor.user_id, view=home_view(build_home(env, actor)))

    @app.event("app_mention")
    def mention(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        actor = actors.from_event(event, context)
        key = f"event:{body.get('event_id')}"

        def say(text: str) -> None:
            client.chat_postEphemeral(
                channel=event["channel"],
                user=event["user"],
                text=text,
                thread_ts=event.get("thread_ts"),
            )

        with reply_on_failure(say, "app_mention"):
            text = LEADING_MENTION.sub("", event.get("text", ""))
            word, _, rest = text.partition(" ")
            if word.lower() == "assign":
                owner = MENTION.search(rest)
                result: object = assigning.assign_from_thread(
                    env,
                    actor,
                    event["channel"],
                    event.get("thread_ts"),
                    text,
                    key,
                    owner_timezone=actors.slack_timezone(client, owner[1]) if owner else None,
                )
                if isinstance(result, assigning.ActionAssigned):
                    announce(client, result)
                    return
            elif word.lower() == "deal":
                result = deal.run(env, actor, rest, key)
            elif first_delivery(env, actor, key):
                result = Notice(HINT)
            else:
                return
            if isinstance(result, Duplicate):
                return
            shown = render(result)
            if isinstance(shown, Modal):
                shown = render(
                    Notice("Forms open from `/deal edit NAME`; mentions take key=value.")
                )
            assert isinstance(shown, Message)
            client.chat_postEphemeral(
                channel=event["channel"],
                user=event["user"],
                text=shown.text,
                blocks=shown.blocks,
                thread_ts=event.get("thread_ts"),
            )


def publish_text(client: WebClient, user_id: str, text: str) -> None:
    """A Home tab that only says `text`: what a failure shows instead of a stale tab."""
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": [section(text)]})
