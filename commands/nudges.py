"""The weekly DMs to each person: forecast questions, clean your room, and a manager's team
totals; on the workspace's nudge day, from its hour in each person's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.checklist import Checklist, ChecklistSummary, my_checklist, summary
from commands.cleanup import CleanRoom, TeamRoom, room, team_room
from commands.context import Env
from commands.councils.meeting import week_of
from commands.permissions import is_manager
from commands.unit import run_job
from store import nudges as store_nudges
from store import people, workspaces
from store.models import Person, Workspace

LEASE = timedelta(minutes=10)
KINDS = ("checklist", "cleanup", "team")
Content = Checklist | CleanRoom | TeamRoom | ChecklistSummary


@dataclass(frozen=True)
class Nudge:
    """A claimed weekly DM: send `content` to `user_id`, then say how it went."""

    id: int
    workspace_id: str
    user_id: str
    kind: str
    contents: list[Content]
    again: bool = False  # an earlier attempt failed, and may have sent some of it


def _content(
    session: Session, workspace: Workspace, person: Person, kind: str, now: datetime
) -> list[Content]:
    """What this week's DM of `kind` says to the person; empty when nothing needs saying."""
    today = now.astimezone(_zone(workspace, person)).date()
    if kind == "checklist":
        checklist = my_checklist(session, workspace, person, today)
        return [checklist] if checklist.deals else []
    if kind == "cleanup":
        found = room(session, workspace, person, now)
        return [found] if found.deals else []
    if not is_manager(person):
        return []
    team = sorted(people.team_ids(session, workspace.id, person.id))
    if not team:
        return []
    totals = team_room(session, workspace, person, now)
    answers = summary(session, workspace, team, (), today, "Your team's forecast questions")
    parts: list[Content] = []
    if totals.stale:
        parts.append(totals)
    if answers.committed or answers.gaps:
        parts.append(answers)
    return parts


def _zone(workspace: Workspace, person: Person) -> ZoneInfo:
    return ZoneInfo(person.timezone or workspace.timezone)


def is_nudge_time(workspace: Workspace, person: Person, now: datetime) -> bool:
    """The workspace's nudge day, from its hour until midnight, in the person's zone."""
    local = now.astimezone(_zone(workspace, person))
    return local.weekday() == workspace.nudge_weekday and f"{local:%H:%M}" >= workspace.nudge_at


def nudges_due(env: Env, now: datetime, workspace: str | None = None) -> list[Nudge]:
    """Every weekly DM due now and not yet sent (in every workspace, or in one), each
    claimed for this process."""

    def work(session: Session, _now: datetime) -> list[Nudge]:
        due: list[Nudge] = []
        for workspace_id in workspaces.workspace_ids(session, active_only=True):
            if workspace is not None and workspace_id != workspace:
                continue
            found = workspaces.get_workspace(session, workspace_id)
            assert found is not None
            if not found.nudges_on:
                continue
            for person in people.list_people(session, workspace_id):
                if person.slack_user_id and is_nudge_time(found, person, now):
                    due.extend(_claim(session, found, person, now))
        return due

    return run_job(env, work)


def _claim(session: Session, workspace: Workspace, person: Person, now: datetime) -> list[Nudge]:
    week = week_of(now.astimezone(_zone(workspace, person)).date())
    done = store_nudges.settled(session, person.id, week, now)
    claimed = []
    for kind in KINDS:
        if kind in done:
            continue
        contents = _content(session, workspace, person, kind, now)
        if not contents:
            continue
        claim = store_nudges.claim(
            session, workspace.id, person.id, week, kind, now=now, lease_until=now + LEASE
        )
        if claim is not None:
            nudge, again = claim
            assert person.slack_user_id is not None
            claimed.append(
                Nudge(nudge.id, workspace.id, person.slack_user_id, kind, contents, again)
            )
    return claimed


def finish(env: Env, nudge: Nudge, error: str = "") -> None:
    """Record that the nudge went out, or failed (so a later round tries it again)."""

    def work(session: Session, _now: datetime) -> None:
        store_nudges.finish(session, nudge.id, "failed" if error else "sent", env.now(), error)

    return run_job(env, work)
