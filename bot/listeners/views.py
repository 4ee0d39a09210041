"""Modal submissions: validated before the ack, so errors show beside their fields."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot import actors
from bot.action_notices import announce
from bot.actions_render import ACTION_FORM
from bot.cleanup_render import SNOOZE_FORM
from bot.listeners.actions import number
from bot.listeners.deliver import Replier
from bot.post_once import post_once
from bot.render import DEAL_FORM, Message, form_values, render
from commands import actions, cleanup, deal
from commands.cleanup import SnoozeErrors
from commands.context import Env
from commands.deal_results import FormErrors
from commands.results import Problem, Refused

log = logging.getLogger("council")
# Slack shows at most this much of an error under a field.
FIELD_ERROR_LIMIT = 150


def register(app: App, env: Env) -> None:
    register_actions(app, env)
    register_snooze(app, env)

    @app.view(DEAL_FORM)
    def deal_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        actor = actors.from_interaction(body, "modal")
        try:
            values = form_values(view["state"])
            if "owner" in values:
                values["owner"] = named_mention(client, values["owner"])
            result = deal.submit_form(
                env, actor, metadata.get("deal"), values, f"view:{view['id']}"
            )
        except OperationalError:
            log.exception("database unavailable while saving the deal form")
            ack(
                response_action="errors",
                errors={
                    "name": "The database is not answering; "
                    "nothing was saved. Try again in a minute."
                },
            )
            return
        except Exception:
            log.exception("failure while saving the deal form")
            ack(
                response_action="errors",
                errors={
                    "name": "Something went wrong on our side; nothing was saved. Please try again."
                },
            )
            return
        if isinstance(result, FormErrors):
            errors = {k: v[:FIELD_ERROR_LIMIT] for k, v in result.errors.items()}
            ack(response_action="errors", errors=errors)
            return
        ack()
        shown = render(result)
        assert isinstance(shown, Message)
        confirm(client, metadata.get("response_url"), actor.user_id, shown, f"view:{view['id']}")


def named_mention(client: WebClient, mention: str) -> str:
    """`<@U123>` as `<@U123|Jane Doe>`, so someone picked before they ever used the bot is
    known by name; the bare mention when Slack cannot say."""
    user_id = mention.removeprefix("<@").removesuffix(">")
    if "|" in user_id or not user_id:
        return mention
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError:
        log.warning("users.info failed for %s; keeping the bare id", user_id)
        return mention
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    return f"<@{user_id}|{name}>"


def register_snooze(app: App, env: Env) -> None:
    @app.view(SNOOZE_FORM)
    def snooze_form(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        actor = actors.from_interaction(body, "modal")
        values = form_values(view["state"])
        try:
            result = cleanup.snooze(
                env,
                actor,
                number(str(metadata.get("deal", ""))),
                values.get("until", ""),
                values.get("reason", ""),
                f"view:{view['id']}",
            )
        except Exception:
            log.exception("failure while snoozing a deal")
            ack(
                response_action="errors",
                errors={"reason": "Something went wrong on our side; nothing was saved."},
            )
            return
        if isinstance(result, SnoozeErrors):
            errors = {k: v[:FIELD_ERROR_LIMIT] for k, v in result.errors.items()}
            ack(response_action="errors", errors=errors)
            return
        if isinstance(result, (Refused, Problem)):
            ack(response_action="errors", errors={"reason": result.message[:FIELD_ERROR_LIMIT]})
            return
        ack()
        shown = render(result)
        assert isinstance(shown, Message)
        confirm(client, metadata.get("response_url"), actor.user_id, shown, f"view:{view['id']}")


def register_actions(app: App, env: Env) -> None:
    @app.view(ACTION_FORM)
    def action_form(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        actor = actors.from_interaction(body, "modal")
        values = form_values(view["state"])
        owner_id = values.get("owner", "").removeprefix("<@").removesuffix(">")
        try:
            result = actions.assign(
                env,
                actor,
                actions.Cell.from_json(metadata["cell"]),
                actions.Place(
                    metadata.get("channel"), metadata.get("thread_ts"), metadata.get("cell_ts")
                ),
                owner=values.get("owner", ""),
                kind=values.get("kind", ""),
                description=values.get("description", ""),
                due=values.get("due", ""),
                key=f"view:{view['id']}",
                owner_timezone=actors.slack_timezone(client, owner_id) if owner_id else None,
            )
        except Exception:
            log.exception("failure while assigning an owner")
            ack(
                response_action="errors",
                errors={
                    "owner": "Something went wrong on our side; "
                    "nothing was saved. Please try again."
                },
            )
            return
        if isinstance(result, actions.AssignErrors):
            ack(
                response_action="errors",
                errors={k: v[:FIELD_ERROR_LIMIT] for k, v in result.errors.items()},
            )
            return
        if isinstance(result, (Refused, Problem)):
            ack(response_action="errors", errors={"owner": result.message[:FIELD_ERROR_LIMIT]})
            return
        ack()
        if isinstance(result, actions.ActionAssigned):
            announce(client, result)


def confirm(
    client: WebClient, response_url: str | None, user_id: str, shown: Message, key: str
) -> None:
    """Tell the person the form was saved: where they typed the command, else by DM."""
    if response_url:
        Replier(response_url, client.timeout)(
            text=shown.text, blocks=shown.blocks, response_type="ephemeral"
        )
    else:
        post_once(client, key, channel=user_id, text=shown.text, blocks=shown.blocks)
