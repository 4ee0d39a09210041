"""Who sent a Slack payload, as the commands see them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.context import Actor, Env
from commands.parsing import clean
from store import people

# How long a name checked with Slack is used before asking again: one users.info per
# person a day rather than one per command (Slack allows about 100 a minute).
NAME_KEPT = timedelta(days=1)


class NoWorkspace(Exception):
    """A payload bolt authorised for no workspace (it never reaches a listener)."""


def workspace_of(context: BoltContext) -> str:
    """The one rule for which workspace a payload acts in: the installation bolt authorised
    it with. bolt looks the token up by `context.team_id` (a view's
    `app_installed_team_id`, an event's `authorizations[0]`, a Slack Connect channel's
    installing team), so the data read and written is that token's workspace, never the
    team the payload merely names; an org-wide Enterprise Grid install has no team, and
    is its organisation."""
    workspace = context.team_id or context.enterprise_id
    if not workspace:
        raise NoWorkspace()
    return str(workspace)


def from_command(command: dict[str, Any], context: BoltContext) -> Actor:
    # `user_name` is a handle Slack says not to rely on: it never renames anyone (the name
    # comes from users.info, `named`).
    return Actor(
        workspace_id=workspace_of(context),
        user_id=command["user_id"],
        display_name="",
        via="slash_command",
        workspace_name=command.get("team_domain") or "",
    )


def from_interaction(body: dict[str, Any], context: BoltContext, via: str) -> Actor:
    user = body["user"]
    team = body.get("team") or {}
    return Actor(
        workspace_id=workspace_of(context),
        user_id=user["id"],
        display_name="",  # a handle, like a command's user_name: keep the name we know
        via=via,
        workspace_name=team.get("domain") or "",
    )


def from_event(event: dict[str, Any], context: BoltContext) -> Actor:
    return Actor(
        workspace_id=workspace_of(context),
        user_id=event["user"],
        display_name="",  # events carry no name; keep the one we know
        via="mention",
    )


def slack_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """The person as Slack knows them (`users.info`), or None when Slack cannot say."""
    try:
        return dict(client.users_info(user=user_id)["user"])
    except SlackApiError:
        return None


def person_name(user: dict[str, Any]) -> str:
    """The name Slack shows for a person: their display name, else their full name."""
    profile = user.get("profile") or {}
    return str(
        profile.get("display_name") or profile.get("real_name") or user.get("real_name") or ""
    )


def named(env: Env, client: WebClient, actor: Actor) -> Actor:
    """The actor with the name Slack shows for them: the one kept in the store when it was
    checked with Slack (users.info) within NAME_KEPT, else asked again and kept; with none
    when Slack cannot say, so the name already known is kept."""
    now = env.now()
    with env.db.transaction() as session:
        known = people.checked_name(session, actor.workspace_id, actor.user_id, now - NAME_KEPT)
    if known is not None:
        return replace(actor, display_name=known)
    user = slack_user(client, actor.user_id)
    name = clean(person_name(user)) if user else ""
    if name:
        with env.db.transaction() as session:
            people.name_checked(session, actor.workspace_id, actor.user_id, name, now)
    return replace(actor, display_name=name)


def slack_timezone(client: WebClient, user_id: str) -> str | None:
    """The person's time zone as Slack knows it, or None."""
    return (slack_user(client, user_id) or {}).get("tz") or None
