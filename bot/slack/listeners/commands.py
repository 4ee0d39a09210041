"""Slash commands: queued and acked at once, then answered through `response_url`."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.render.failures import reply_on_failure
from bot.slack import actors
from bot.slack.channels import UnknownChannel, link_channels
from bot.slack.listeners.deliver import Reply, patient, reply
from bot.slack.listeners.work import Work, answers
from commands.context import Env
from commands.registry import SLASH_COMMANDS
from commands.results import Problem

log = logging.getLogger("council.commands")


def register(app: App, env: Env, work: Work) -> None:
    def handle(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        # Queued before the ack: once Slack has its 200, the command is answered even if
        # this process dies at once.
        payload = {"command": command, "response_url": command.get("response_url")}
        work.take("command", payload, context, ack, patient(respond, client), client)

    for name in SLASH_COMMANDS:
        app.command(name)(handle)


@answers("command")
def answer(
    env: Env, payload: dict[str, Any], context: BoltContext, respond: Reply, client: WebClient
) -> None:
    command = payload["command"]
    name = command["command"]
    started = time.perf_counter()

    def say(text: str) -> None:
        respond(text=text, response_type="ephemeral")

    with reply_on_failure(say, name):
        run = SLASH_COMMANDS[name].run
        actor = actors.named(env, client, actors.from_command(command, context))
        text = command.get("text", "")
        if name == "/council" and text.strip().lower().startswith("create"):
            # A new council meets in its creator's time zone unless told otherwise.
            actor = replace(actor, timezone=actors.slack_timezone(client, actor.user_id))
        result: object
        try:
            if name == "/council" and text.strip().lower().startswith("create"):
                text = link_channels(client, text)
            result = run(env, actor, text, request_key(command))
        except UnknownChannel as unknown:
            result = Problem(
                f"I cannot find a channel named #{unknown.name}: check its name, or if it "
                "is private, /invite @Pipeline Council there first. Picking the channel "
                "from the list Slack offers as you type # makes it a link.",
                example="/council create #pipeline",
            )
        reply(
            result,
            respond=respond,
            client=client,
            trigger_id=command.get("trigger_id"),
            response_url=command.get("response_url"),
        )
        log.info(
            "answered %s with %s",
            name,
            type(result).__name__,
            extra={
                "workspace": actor.workspace_id,
                "user": actor.user_id,
                "command": name,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )


def request_key(command: dict[str, Any]) -> str | None:
    """What identifies this request: Slack gives each typed command its own trigger id
    (and response URL), and a replayed request (the same signed body, inside Slack's five
    minutes) carries the same, so the write it asks for happens once."""
    unique = command.get("trigger_id") or command.get("response_url")
    if not unique:
        return None
    parts = (command.get("team_id"), command.get("user_id"), command.get("command"), unique)
    return "command:" + hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()
