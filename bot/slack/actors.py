"""Who sent a Slack payload, as the commands see them."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.context import Actor


def from_command(command: dict[str, Any]) -> Actor:
    return Actor(
        workspace_id=command["team_id"],
        user_id=command["user_id"],
        display_name=command.get("user_name") or command["user_id"],
        via="slash_command",
        workspace_name=command.get("team_domain") or "",
    )


def from_interaction(body: dict[str, Any], via: str) -> Actor:
    user = body["user"]
    team = body.get("team") or {}
    return Actor(
        workspace_id=team.get("id") or user.get("team_id"),
        user_id=user["id"],
        display_name=user.get("username") or user.get("name") or user["id"],
        via=via,
        workspace_name=team.get("domain") or "",
    )


def from_event(body: dict[str, Any], event: dict[str, Any]) -> Actor:
    return Actor(
        workspace_id=body.get("team_id") or event.get("team", ""),
        user_id=event["user"],
        display_name="",  # events carry no name; keep the one we know
        via="mention",
    )


def slack_timezone(client: WebClient, user_id: str) -> str | None:
    """The person's time zone as Slack knows it (`users.info`), or None."""
    try:
        return client.users_info(user=user_id)["user"].get("tz") or None
    except SlackApiError:
        return None
