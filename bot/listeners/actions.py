"""Buttons on the bot's messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import actors
from bot.forecast_render import CHECKLIST_ACTION
from bot.listeners.deliver import Reply, patient, reply
from bot.listeners.safety import reply_on_failure
from commands import actions, checklist, deal
from commands.context import Env
from commands.results import Problem, Refused


def ephemeral(respond: Reply) -> Callable[[str], object]:
    """A way to tell the presser something, below the message they pressed on."""
    return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)


def number(text: str) -> int:
    """A deal number from a payload the bot built; anything else reads as no deal (0)."""
    return int(text) if text.isascii() and text.isdigit() else 0


Work = Callable[[dict[str, Any], dict[str, Any], Respond, WebClient], None]


def acking(work: Executor, job: Work) -> Callable[..., None]:
    """A listener that acks the press at once and does `job` on the work pool."""

    def listener(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        work.submit(job, body, action, patient(respond, client), client)

    return listener


def register(app: App, env: Env, work: Executor) -> None:
    register_cells(app, env, work)
    register_checklist(app, env, work)

    def deal_button(
        body: dict[str, Any], action: dict[str, Any], respond: Reply, client: WebClient
    ) -> None:
        with reply_on_failure(ephemeral(respond), action["action_id"]):
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

    app.action(re.compile(r"^deal\."))(acking(work, deal_button))


def register_checklist(app: App, env: Env, work: Executor) -> None:
    """Ticking a forecast question saves it at once; only a refusal or problem is said."""

    def answer(
        body: dict[str, Any], action: dict[str, Any], respond: Reply, client: WebClient
    ) -> None:
        with reply_on_failure(ephemeral(respond), CHECKLIST_ACTION):
            deal_id = number(str(action.get("block_id", "")).removeprefix("checklist:"))
            selected = [o["value"] for o in action.get("selected_options") or []]
            result = checklist.answer(
                env, actors.from_interaction(body, "checkbox"), deal_id, selected
            )
            if isinstance(result, (Problem, Refused)):
                reply(result, respond=respond, client=client, trigger_id=None)

    app.action(CHECKLIST_ACTION)(acking(work, answer))


def register_cells(app: App, env: Env, work: Executor) -> None:
    """The digest's "Assign owner" button opens the assign form; /actions' Done button."""

    def assign(
        body: dict[str, Any], action: dict[str, Any], respond: Reply, client: WebClient
    ) -> None:
        with reply_on_failure(ephemeral(respond), "cell.assign"):
            container = body.get("container", {})
            message = body.get("message") or {}
            place = actions.Place(
                (body.get("channel") or {}).get("id") or container.get("channel_id"),
                message.get("thread_ts") or container.get("thread_ts"),
                container.get("message_ts"),
            )
            result = actions.open_form(
                env, actors.from_interaction(body, "button"), action.get("value", "{}"), place
            )
            reply(result, respond=respond, client=client, trigger_id=body.get("trigger_id"))

    def done(
        body: dict[str, Any], action: dict[str, Any], respond: Reply, client: WebClient
    ) -> None:
        with reply_on_failure(ephemeral(respond), "action.done"):
            actor = actors.from_interaction(body, "button")
            result = actions.run(env, actor, f"done {action.get('value', '')}")
            reply(
                result,
                respond=respond,
                client=client,
                trigger_id=body.get("trigger_id"),
                replace_original=False,
            )

    app.action("cell.assign")(acking(work, assign))
    app.action("action.done")(acking(work, done))
