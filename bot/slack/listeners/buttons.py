"""Buttons and checkboxes on the bot's messages: every one dispatched through
`commands.registry.BUTTONS`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.render.failures import reply_on_failure
from bot.slack import actors
from bot.slack.listeners.deliver import Reply, patient, reply
from bot.slack.listeners.work import Work, answers
from commands.context import Actor, Env, Place, Pressed
from commands.registry import BUTTONS, Button
from commands.results import Problem, Refused


def pressed(body: dict[str, Any], action: dict[str, Any]) -> Pressed:
    """What Slack says of a press, as the use cases read it."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    place = Place(
        (body.get("channel") or {}).get("id") or container.get("channel_id"),
        message.get("thread_ts") or container.get("thread_ts"),
        container.get("message_ts"),
    )
    return Pressed(
        action["action_id"],
        str(action.get("value", "")),
        place,
        str(action.get("block_id", "")),
        tuple(str(o["value"]) for o in action.get("selected_options") or []),
        key=f"press:{body['trigger_id']}" if body.get("trigger_id") else None,
        ephemeral=bool(container.get("is_ephemeral")),
    )


def register(app: App, env: Env, work: Work) -> None:
    """Every registered button is queued and acked at once, then answered (commands.py)."""

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        payload = {"body": body, "action": action, "response_url": body.get("response_url")}
        work.take("press", payload, context, ack, patient(respond, client), client)

    # Every press is answered: one of a button this version no longer offers (an old
    # message's) says so rather than failing in Slack.
    app.action(re.compile(".*"))(listener)


@answers("press")
def answer(
    env: Env, payload: dict[str, Any], context: BoltContext, respond: Reply, client: WebClient
) -> None:
    body, action = payload["body"], payload["action"]
    button = BUTTONS.get(action["action_id"], STALE)
    with reply_on_failure(ephemeral(respond), action["action_id"]):
        via = "checkbox" if action.get("type") == "checkboxes" else "button"
        press = pressed(body, action)
        actor = actors.named(env, client, actors.from_interaction(body, context, via))
        result = button.press(env, actor, press)
        if button.answer == "problems" and not isinstance(result, (Problem, Refused)):
            return
        reply(
            result,
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
            replace_original=button.answer == "replace" and press.ephemeral,
        )


def _stale(env: Env, actor: Actor, pressed: Pressed) -> Problem:
    return Problem("That button no longer works; type the command again.")


STALE = Button(_stale)


def ephemeral(respond: Reply) -> Callable[[str], object]:
    """A way to tell the presser something, below the message they pressed on."""
    return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)
