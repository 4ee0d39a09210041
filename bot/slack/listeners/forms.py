"""Modal submissions, every one dispatched through `commands.registry.FORMS`: validated
before the ack, so errors show beside their fields."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.render import Message, render
from bot.slack import actors
from bot.slack.listeners.deliver import Replier
from bot.webapi.notices import announce, tell_marketing
from bot.webapi.post_once import post_once
from commands.actions.results import ActionAssigned
from commands.context import Env, Submitted
from commands.registry import FORMS
from commands.results import FormErrors, Problem, Refused
from commands.sla.handoff import LeadDecided

log = logging.getLogger("council")
# Slack shows at most this much of an error under a field.
FIELD_ERROR_LIMIT = 150
OUTAGE = "The database is not answering; nothing was saved. Try again in a minute."
FAILURE = "Something went wrong on our side; nothing was saved. Please try again."


def register(app: App, env: Env) -> None:
    def submit(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        form = FORMS[view["callback_id"]]
        metadata = json.loads(view.get("private_metadata") or "{}")
        actor = actors.from_interaction(body, context, "modal")
        key = f"view:{view['id']}"
        try:
            sent = submitted(client, view["state"], metadata, key)
            result = form.submit(env, actor, sent)
        except OperationalError:
            log.exception("database unavailable while saving %s", view["callback_id"])
            ack(response_action="errors", errors={form.error_field: OUTAGE})
            return
        except Exception:
            log.exception("failure while saving %s", view["callback_id"])
            ack(response_action="errors", errors={form.error_field: FAILURE})
            return
        if isinstance(result, FormErrors):
            errors = {k: v[:FIELD_ERROR_LIMIT] for k, v in result.errors.items()}
            ack(response_action="errors", errors=errors)
            return
        if isinstance(result, (Problem, Refused)):
            ack(
                response_action="errors",
                errors={form.error_field: result.message[:FIELD_ERROR_LIMIT]},
            )
            return
        ack()
        if isinstance(result, ActionAssigned):
            announce(client, result)
            return
        if isinstance(result, LeadDecided) and result.marketing_channel:
            tell_marketing(client, result)
        shown = render(result)
        assert isinstance(shown, Message)
        confirm(client, metadata.get("response_url"), actor.user_id, shown, key)

    for callback_id in FORMS:
        app.view(callback_id)(submit)


def submitted(
    client: WebClient, state: dict[str, Any], metadata: dict[str, Any], key: str
) -> Submitted:
    """The form as its use case reads it, each person picked named as Slack knows them."""
    values = form_values(state)
    zones: dict[str, str] = {}
    for field, actions in state.get("values", {}).items():
        user_id = (actions.get("value") or {}).get("selected_user")
        if user_id:
            values[field], zone = named(client, str(user_id))
            if zone:
                zones[str(user_id)] = zone
    return Submitted(values, metadata, key, zones)


def form_values(state: dict[str, Any]) -> dict[str, str]:
    """What was entered in a form, field by field, as text; a person picked as `<@U123>`."""
    values: dict[str, str] = {}
    for field, actions in state.get("values", {}).items():
        action = actions.get("value") or {}
        kind = action.get("type")
        if kind == "static_select":
            values[field] = (action.get("selected_option") or {}).get("value", "")
        elif kind == "datepicker":
            values[field] = action.get("selected_date") or ""
        elif kind == "users_select":
            if action.get("selected_user"):
                values[field] = f"<@{action['selected_user']}>"
        else:
            values[field] = action.get("value") or ""
    return values


def named(client: WebClient, user_id: str) -> tuple[str, str | None]:
    """`<@U123|Jane Doe>` and Jane's time zone, so someone picked before they ever used the
    bot is known by name; the bare mention when Slack cannot say."""
    user = actors.slack_user(client, user_id)
    if user is None:
        log.warning("users.info failed for %s; keeping the bare id", user_id)
        return f"<@{user_id}>", None
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
    return f"<@{user_id}|{name}>", user.get("tz")


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
