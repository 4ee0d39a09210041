"""What the clock's jobs need of a chat connector, and nothing more.

A job decides what is due and claims it; an outlet (the Slack Web API's, or the console's
stand-in for it) renders the content and posts it, each message once. The jobs never see
Slack's client, its errors or its blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from commands.actions.results import Reminder
from commands.alert_watch import AlertMessage
from commands.councils.daily import DailyPipegen
from commands.digest import Digest
from commands.nudges import Nudge
from commands.salesforce.results import WriteBackNotice
from commands.sla.handoff import LeadNotice

Payload = dict[str, Any]


class Unreachable(Exception):
    """The bot cannot post in the council's channel; `error` is the chat's reason."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Undelivered(Exception):
    """The chat refused a DM; `reason` says why. Another round may try again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Outlet(Protocol):
    def digest_payload(self, digest: Digest, run_id: int) -> Payload:
        """The digest as the messages to post, stored with its run so a resumed run posts
        exactly what the first attempt meant to."""
        ...

    def post_digest(
        self,
        payload: Payload,
        posted: dict[int, str],
        record: Callable[[int, str], None],
        *,
        run_id: int,
        resumed: bool,
    ) -> int:
        """Post each message not in `posted`, `record`ing each as it is taken; how many were
        posted. Raises `Unreachable` when the channel cannot be posted in."""
        ...

    def tell_creator(self, user_id: str, council: str, channel: str, error: str, key: str) -> None:
        """DM a council's creator that its digest could not be posted, and how to fix it."""
        ...

    def send_nudge(self, nudge: Nudge) -> None:
        """DM a weekly nudge's messages, once each. Raises `Undelivered`."""
        ...

    def send_reminder(self, reminder: Reminder) -> None:
        """DM an action's owner its reminder, once. Raises `Undelivered`."""
        ...

    def send_alert(self, message: AlertMessage) -> str:
        """Post a deal alert once (or edit it in place when it has a `ts`); its `ts`.
        Raises `Undelivered`."""
        ...

    def daily_payload(self, daily: DailyPipegen) -> Payload:
        """A council's daily post as the messages to post (posted like a digest's)."""
        ...

    def send_lead_notice(self, notice: LeadNotice) -> None:
        """Post a lead's hand-off, return, reminder or breach notice, once. Raises
        `Undelivered`."""
        ...

    def send_write_back(self, notice: WriteBackNotice) -> None:
        """DM a rep what Salesforce did not take of their change, once. Raises
        `Undelivered`."""
        ...

    def user_by_email(self, email: str) -> str | None:
        """The chat's user with this email (`users.lookupByEmail`), or None."""
        ...


OutletFor = Callable[[str], Outlet]
"""The outlet of a workspace (each has its own token)."""
