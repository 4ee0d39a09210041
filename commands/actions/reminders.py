"""Which owners to remind now: the day before an action is due, on the day, and while
overdue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.actions.results import Reminder
from commands.actions.views import view_of
from commands.context import Env
from commands.unit import run_job
from store import actions as store_actions
from store import councils as store_councils
from store import keys, people, workspaces

REMIND_AT = time(9, 0)


def reminders_due(env: Env, now: datetime, workspace: str | None = None) -> list[Reminder]:
    """The reminders to send now, each claimed so that it goes out once a day at most: the
    day before the due date and on it, then every working day while overdue, from 09:00 in
    the owner's time zone; never while snoozed or once done."""

    def work(session: Session, _now: datetime) -> list[Reminder]:
        due: list[Reminder] = []
        installed = set(workspaces.workspace_ids(session, active_only=True))
        for action in store_actions.open_actions(session, workspace):
            if action.workspace_id not in installed:
                continue
            council = store_councils.get_council(session, action.council_id)
            owner = people.get_person(session, action.workspace_id, action.owner_id)
            if council is None or owner is None:
                continue
            zone = ZoneInfo(owner.timezone or council.timezone)
            local = now.astimezone(zone)
            day = local.date()
            if local.time() < REMIND_AT or action.last_reminded_on == day:
                continue
            if action.snoozed_until is not None and day < action.snoozed_until:
                continue
            if day == action.due_date - timedelta(days=1):
                why = "tomorrow"
            elif day == action.due_date:
                why = "today"
            elif day > action.due_date and day.weekday() < 5:
                why = "overdue"
            else:
                continue
            if not keys.claim(session, action.workspace_id, _reminder_key(action.id, day), now):
                continue
            action.last_reminded_on = day
            again = keys.exists(session, action.workspace_id, _again_key(action.id, day))
            view = view_of(session, action, day)
            due.append(Reminder(action.workspace_id, view, why, day, again))
        return due

    return run_job(env, work)


def reminder_not_sent(env: Env, reminder: Reminder) -> None:
    """Slack refused the reminder, or no answer came: give back its claim, so the next
    round sends it, looking first whether this attempt got through after all."""

    def work(session: Session, _now: datetime) -> None:
        key = _reminder_key(reminder.action.id, reminder.day)
        keys.release(session, reminder.workspace_id, key)
        again = _again_key(reminder.action.id, reminder.day)
        keys.claim(session, reminder.workspace_id, again, env.now())
        action = store_actions.get_action(session, reminder.workspace_id, reminder.action.id)
        if action is not None and action.last_reminded_on == reminder.day:
            action.last_reminded_on = None

    return run_job(env, work)


def _reminder_key(action_id: int, day: date) -> str:
    return f"remind:{action_id}:{day}"


def _again_key(action_id: int, day: date) -> str:
    return f"remind-again:{action_id}:{day}"
