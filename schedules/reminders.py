"""Reminding owners of their actions: the day before, on the day, and while overdue."""

from __future__ import annotations

import logging

from commands.actions.reminders import reminder_not_sent, reminders_due
from commands.actions.results import Reminder
from commands.context import Env
from schedules.outlet import OutletFor, Undelivered

log = logging.getLogger("council.reminders")


def send_reminders(env: Env, outlet_for: OutletFor, workspace: str | None = None) -> list[Reminder]:
    """DM every owner (of every workspace, or of one) whose reminder is due now; each goes
    out once a day at most."""
    sent = []
    for reminder in reminders_due(env, env.now(), workspace):
        if not reminder.action.owner_user_id:
            continue
        try:
            outlet_for(reminder.workspace_id).send_reminder(reminder)
            sent.append(reminder)
        except Undelivered as error:
            log.warning("reminder %s not sent: %s", reminder.action.id, error.reason)
            reminder_not_sent(env, reminder)
        except Exception:
            log.exception("reminder %s not sent", reminder.action.id)
            reminder_not_sent(env, reminder)
    return sent
