"""Buttons on the bot's messages."""

from __future__ import annotations

import json
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
    register_cells(app)

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


def register_cells(app: App) -> None:
    """The digest's "Assign owner" button. It carries the cell's identity (council, run,
    label, dimension, value, column, period); assigning actions is issue 5's flow, so for
    now the press is acknowledged and the presser told plainly."""

    @app.action("cell.assign")
    def assign(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        cell = json.loads(action.get("value") or "{}")
        respond(
            text=(
                f"Cell {cell.get('label', '?')} ({cell.get('dimension')} {cell.get('value')}, "
                f"{cell.get('column')}) is noted. Assigning owners from the digest is not "
                "available in this version yet; agree the owner in this thread for now."
            ),
            response_type="ephemeral",
            replace_original=False,
        )
