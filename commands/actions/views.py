"""Actions as their readers see them, and who may assign them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.actions.results import MARKETING, MARKETING_TITLE, ActionView
from commands.context import Place
from commands.metrics import COLUMN_NAMES
from commands.permissions import is_manager
from commands.results import CommandError, Refused
from store import councils as store_councils
from store import people, workspaces
from store.models import Action, Council, Person

KINDS = (
    "SPIFF",
    "Enablement",
    "Prospect dinner series",
    "Paid media budget",
    "Pipeline blitz",
    "Deal review",
    "Other",
)
DEFAULT_DUE = timedelta(days=7)


def kinds_of(session: Session, workspace_id: str) -> list[str]:
    """The workspace's list of actions: its admins' own, or the defaults."""
    workspace = workspaces.get_workspace(session, workspace_id)
    return list((workspace.action_kinds if workspace else None) or KINDS)


def today_of(person: Person | None, council: Council, now: datetime) -> date:
    zone = ZoneInfo((person.timezone if person else None) or council.timezone)
    return now.astimezone(zone).date()


def view_of(session: Session, action: Action, today: date) -> ActionView:
    owner = people.get_person(session, action.workspace_id, action.owner_id)
    council = store_councils.get_council(session, action.council_id)
    return ActionView(
        action.id,
        council.name if council else "?",
        action.label,
        f"{MARKETING_TITLE} · {action.value}"
        if action.dimension == MARKETING
        else f"{action.dimension} {action.value} · "
        f"{COLUMN_NAMES.get(action.column, action.column)}",
        owner.display_name if owner else "someone",
        owner.slack_user_id if owner else None,
        action.kind,
        action.description,
        action.due_date,
        action.status,
        action.status == "open" and action.due_date < today,
        action.snoozed_until,
        action.color_at,
        action.shown_at,
        Place(action.channel, action.thread_ts, action.cell_ts),
    )


def managers_only(session: Session, me: Person) -> None:
    if not is_manager(me):
        names = [
            p.display_name
            for p in people.list_people(session, me.workspace_id)
            if p.role in ("manager", "admin")
        ]
        raise CommandError(
            Refused(
                "Only managers and admins assign owners to cells.",
                who_can=", ".join(names) or "an admin",
            )
        )
