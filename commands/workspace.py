"""Workspaces and people as commands meet them: created on first contact, with defaults."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commands.context import Actor
from commands.dimensions import DIMENSIONS as DIMENSIONS  # re-exported: its old home
from commands.parsing import clean
from store import people, workspaces
from store.models import Person, Workspace
from store.workspaces import StageSpec

DEFAULT_STAGES = (
    StageSpec("Prospecting", "Pipeline", 10, "open"),
    StageSpec("Qualification", "Pipeline", 20, "open"),
    StageSpec("Consideration", "Best Case", 40, "open"),
    StageSpec("Decision", "Commit", 70, "open"),
    StageSpec("Closed Won", "Closed", 100, "won"),
    StageSpec("Closed Lost", "Omitted", 0, "lost"),
)
CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")
DEFAULT_SOURCES = ("AE", "BDR", "SDR", "ECS", "Specialist", "Marketing", "Partner")
ROLES = ("rep", "manager", "admin")


def local_today(workspace: Workspace, now: datetime) -> date:
    """Today's date where the workspace works (its time zone)."""
    return now.astimezone(ZoneInfo(workspace.timezone)).date()


def ensure_workspace(session: Session, actor: Actor, now: datetime) -> Workspace:
    """The actor's workspace, created with the default stages and sources on first contact."""
    workspace = workspaces.get_workspace(session, actor.workspace_id)
    if workspace is not None:
        return workspace
    try:
        with session.begin_nested():
            return workspaces.create_workspace(
                session,
                actor.workspace_id,
                name=clean(actor.workspace_name),
                stages=DEFAULT_STAGES,
                dimension_values={"source": DEFAULT_SOURCES},
                now=now,
            )
    except IntegrityError:
        # Another request created it a moment ago.
        found = workspaces.get_workspace(session, actor.workspace_id)
        assert found is not None
        return found


def ensure_member(session: Session, actor: Actor, now: datetime) -> tuple[Person, Workspace]:
    """The person behind the actor and their workspace, each created on first contact."""
    workspace = ensure_workspace(session, actor, now)
    return ensure_person(session, actor, now), workspace


def ensure_person(session: Session, actor: Actor, now: datetime) -> Person:
    """The person behind the actor; the first person in a workspace becomes its admin."""
    ensure_workspace(session, actor, now)
    person = people.person_by_slack_id(session, actor.workspace_id, actor.user_id)
    name = clean(actor.display_name)
    if person is not None:
        if name and person.display_name != name:
            person.display_name = name
        if person.role != "admin" and _first_to_speak(session, actor):
            # An import or a Salesforce sync linked them to Slack before they spoke.
            person.role = "admin"
        return person
    first = _first_to_speak(session, actor)
    return _add(session, actor, name or actor.user_id, "admin" if first else "rep", now)


def _first_to_speak(session: Session, actor: Actor) -> bool:
    """Whether the actor is the workspace's first admin: no one is one yet. People an import
    or a sync added do not count until one of them speaks, so a workspace whose org was
    loaded first is never left without an admin."""
    if people.has_admin(session, actor.workspace_id):
        return False
    # The workspace's row is locked first (PostgreSQL; SQLite's writers already queue), so
    # of many first commands at once only one finds no admin and becomes it.
    session.get(Workspace, actor.workspace_id, with_for_update=True, populate_existing=True)
    return not people.has_admin(session, actor.workspace_id)


def ensure_admin(session: Session, actor: Actor, now: datetime) -> Person:
    """The person behind the actor (who installed the app), its admin when it has none: an
    installer is an admin whoever speaks first; a reinstall changes no one's role."""
    ensure_workspace(session, actor, now)
    session.get(Workspace, actor.workspace_id, with_for_update=True, populate_existing=True)
    person = people.person_by_slack_id(session, actor.workspace_id, actor.user_id)
    has_admin = any(p.role == "admin" for p in people.list_people(session, actor.workspace_id))
    if person is None:
        return _add(session, actor, actor.user_id, "rep" if has_admin else "admin", now)
    if not has_admin:
        person.role = "admin"
    return person


def _add(session: Session, actor: Actor, name: str, role: str, now: datetime) -> Person:
    """A new person in the actor's workspace, or the one a concurrent request just added."""
    try:
        with session.begin_nested():
            return people.add_person(
                session,
                actor.workspace_id,
                display_name=name,
                slack_user_id=actor.user_id,
                role=role,
                now=now,
            )
    except IntegrityError:
        found = people.person_by_slack_id(session, actor.workspace_id, actor.user_id)
        assert found is not None
        return found


def identity(session: Session, workspace_id: str, name: str | None) -> tuple[str, str] | None:
    """The Slack id and name of the person called `name`, or of the first admin."""
    everyone = people.list_people(session, workspace_id)
    if name is None:
        chosen = [p for p in everyone if p.role == "admin"][:1]
    else:
        chosen = people.people_by_name(session, workspace_id, name)
    chosen = [p for p in chosen if p.slack_user_id]
    return (chosen[0].slack_user_id or "", chosen[0].display_name) if chosen else None


def default_workspace(session: Session, given: str | None) -> str:
    """The workspace a CLI command means: the one given, the only one, or `local` in an
    empty store. With several (`local` among them or not) it never guesses: a command
    run in the wrong one reads or writes someone else's pipeline."""
    if given:
        return given
    ids = sorted(workspaces.workspace_ids(session))
    if len(ids) == 1:
        return ids[0]
    if not ids:
        return "local"
    raise ValueError(
        f"this store holds {len(ids)} workspaces ({', '.join(ids)}); name one with --workspace"
    )
