"""Reminding owners of their actions: the day before, on the day, and while overdue."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.actions_render import reminder_text
from bot.post_once import post_once
from commands.actions import Reminder, reminder_not_sent, reminders_due
from commands.context import Env
from schedules.digests import ClientFor

log = logging.getLogger("council.reminders")


def send_reminders(env: Env, client_for: ClientFor, workspace: str | None = None) -> list[Reminder]:
    """DM every owner (of every workspace, or of one) whose reminder is due now; each goes
    out once a day at most."""
    sent = []
    for reminder in reminders_due(env, env.now(), workspace):
        owner = reminder.action.owner_user_id
        if not owner:
            continue
        try:
            client = client_for(reminder.workspace_id)
            post_once(
                client,
                f"remind:{reminder.action.id}:{reminder.day}",
                channel=owner,
                text=reminder_text(reminder),
                look_first=reminder.again,
            )
            sent.append(reminder)
        except SlackApiError as error:
            log.warning("reminder %s not sent: %s", reminder.action.id, error.response.get("error"))
            reminder_not_sent(env, reminder)
        except Exception:
            log.exception("reminder %s not sent", reminder.action.id)
            reminder_not_sent(env, reminder)
    return sent
