"""Slack users by email (`users.lookupByEmail`, scope `users:read.email`): the one reader
for the people import (a `SlackDirectory`) and the Salesforce sync (the outlet's
`user_by_email`). A bot or a deactivated account is no match, and neither is
`users_not_found`; any other refusal, or Slack out of reach, is kept in `problems` (and
logged, without the email) and is no match, so one failed lookup stops nothing: the user
is looked up again at the next import or sync."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("council.slack")


class WebApiDirectory:
    def __init__(self, client: object) -> None:
        self.client = client
        self.problems: list[str] = []  # lookups that failed for another reason than no user

    def user_id_by_email(self, email: str) -> str | None:
        lookup = getattr(self.client, "users_lookupByEmail", None)
        if lookup is None:  # the console's stand-in knows no one
            return None
        try:
            answer = lookup(email=email)
        except (SlackClientError, OSError) as error:
            reason = type(error).__name__
            if isinstance(error, SlackApiError):
                reason = str(error.response.get("error", "")) if error.response else ""
                if reason == "users_not_found":
                    return None
            self.problems.append(f"{email}: Slack said {reason or 'no'}")
            log.warning("users.lookupByEmail failed: %s", reason or "no reason given")
            return None
        user = answer.get("user") or {}
        if user.get("deleted") or user.get("is_bot"):
            return None
        found = user.get("id")
        return str(found) if found else None
