"""Buttons on the bot's messages."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import actors
from bot.listeners.deliver import reply
from bot.listeners.safety import reply_on_failure
from commands import deal
from commands.context import Env


def register(app: App, env: Env) -> None:
    @app.action(re.compile(r"^deal\."))
    def deal_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()

        def say(text: str) -> None:
            respond(text=text, response_type="ephemeral", replace_original=False)

        with reply_on_failure(say, action["action_id"]):
            actor = actors.from_interaction(body, "button")
            result = deal.press(env, actor, action["action_id"], action.get("value", ""))
            reply(
                result,
                respond=respond,
                client=client,
                trigger_id=body.get("trigger_id"),
                response_url=body.get("response_url"),
                # An answered choice is replaced by its outcome.
                replace_original=bool(body.get("container", {}).get("is_ephemeral")),
            )
