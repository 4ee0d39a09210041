"""Slack users by email (users.lookupByEmail, scope users:read.email): the people import's
`SlackDirectory` over the Web API."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk.errors import SlackApiError


class LooksUpUsers(Protocol):
    def users_lookupByEmail(self, **kwargs: Any) -> Any: ...


class WebApiDirectory:
    def __init__(self, client: LooksUpUsers) -> None:
        self.client = client
        self.problems: list[str] = []  # lookups that failed for another reason than no user

    def user_id_by_email(self, email: str) -> str | None:
        try:
            answer = self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            reason = str(error.response.get("error", "")) if error.response else ""
            if reason != "users_not_found":
                self.problems.append(f"{email}: Slack said {reason or 'no'}")
            return None
        user = answer.get("user") or {}
        if user.get("deleted") or user.get("is_bot"):
            return None
        found = user.get("id")
        return str(found) if found else None
