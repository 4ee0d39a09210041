"""Who administers a workspace: the person who installs the app (OAuth), else the first
Slack user to use it, else whom `council people admin` names from the terminal."""

from __future__ import annotations

from commands.context import Actor, Env
from commands.results import Notice, Problem
from commands.workspace import ensure_workspace
from store import people
from store.models import Person


def grant_admin(env: Env, actor: Actor, who: str) -> Notice | Problem:
    """Make the person with this email or Slack user id an admin (a Slack id not seen yet
    becomes a person, named when they first use the bot)."""
    wanted = who.strip()
    if not wanted:
        return Problem(
            "Name the new admin by email or Slack user id.", "council people admin jo@acme.com"
        )
    with env.db.transaction() as session:
        now = env.now()
        workspace = ensure_workspace(session, actor, now)
        person: Person | None
        if "@" in wanted:
            found = [
                p
                for p in people.people_by_name(session, workspace.id, wanted)
                if (p.email or "").lower() == wanted.lower()
            ]
            if len(found) != 1:
                return Problem(
                    f"No one here has the email {wanted}."
                    if not found
                    else f"{len(found)} people here have the email {wanted}; give a Slack id."
                )
            person = found[0]
        elif wanted[:1] in ("U", "W") and wanted.isalnum() and wanted.upper() == wanted:
            person = people.person_by_slack_id(session, workspace.id, wanted)
            if person is None:
                person = people.add_person(
                    session,
                    workspace.id,
                    display_name=wanted,
                    slack_user_id=wanted,
                    role="rep",
                    now=now,
                )
        else:
            return Problem(
                f"`{wanted[:80]}` is neither an email nor a Slack user id (U...).",
                "council people admin U0123ABCD",
            )
        if person.role == "admin":
            return Notice(f"{person.display_name} is already an admin of {workspace.id}.")
        person.role = "admin"
        return Notice(f"{person.display_name} is now an admin of {workspace.id}.")
