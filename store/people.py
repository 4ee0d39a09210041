"""People and the reporting line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.models import Person


def get_person(session: Session, workspace_id: str, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    return person if person is not None and person.workspace_id == workspace_id else None


def person_by_slack_id(session: Session, workspace_id: str, slack_user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(
            Person.workspace_id == workspace_id, Person.slack_user_id == slack_user_id
        )
    )


def checked_name(
    session: Session, workspace_id: str, slack_user_id: str, since: datetime
) -> str | None:
    """The person's name, if it was checked with Slack at or after `since`."""
    return session.scalar(
        select(Person.display_name).where(
            Person.workspace_id == workspace_id,
            Person.slack_user_id == slack_user_id,
            Person.name_checked_at >= since,
        )
    )


def name_checked(
    session: Session, workspace_id: str, slack_user_id: str, name: str, now: datetime
) -> None:
    """Slack says the person is called `name` (nothing happens to someone not yet here)."""
    session.execute(
        update(Person)
        .where(Person.workspace_id == workspace_id, Person.slack_user_id == slack_user_id)
        .values(display_name=name, name_checked_at=now)
    )


def people_by_name(session: Session, workspace_id: str, name: str) -> list[Person]:
    """People whose display name or email is `name`, ignoring case."""
    lowered = name.strip().lower()
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.workspace_id == workspace_id,
                (func.lower(Person.display_name) == lowered)
                | (func.lower(Person.email) == lowered),
            )
            .order_by(Person.id)
        )
    )


def has_admin(session: Session, workspace_id: str) -> bool:
    """Whether anyone here is an admin."""
    found = session.scalar(
        select(Person.id)
        .where(Person.workspace_id == workspace_id, Person.role == "admin")
        .limit(1)
    )
    return found is not None


def count_people(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Person).where(Person.workspace_id == workspace_id)
        )
        or 0
    )


def add_person(
    session: Session,
    workspace_id: str,
    *,
    display_name: str,
    slack_user_id: str | None,
    role: str,
    now: datetime,
    manager_id: int | None = None,
    email: str | None = None,
    salesforce_id: str | None = None,
) -> Person:
    person = Person(
        workspace_id=workspace_id,
        slack_user_id=slack_user_id,
        display_name=display_name,
        role=role,
        manager_id=manager_id,
        email=email,
        salesforce_id=salesforce_id,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def list_people(session: Session, workspace_id: str) -> list[Person]:
    return list(
        session.scalars(
            select(Person).where(Person.workspace_id == workspace_id).order_by(Person.display_name)
        )
    )


def team_ids(session: Session, workspace_id: str, manager_id: int) -> set[int]:
    """The ids of everyone who reports to the manager, directly or through other managers."""
    rows = session.execute(
        select(Person.id, Person.manager_id).where(
            Person.workspace_id == workspace_id, Person.manager_id.is_not(None)
        )
    ).all()
    reports: dict[int, list[int]] = {}
    for person_id, boss_id in rows:
        if boss_id is not None:
            reports.setdefault(boss_id, []).append(person_id)
    return team_of(reports, manager_id)


def team_of(reports: dict[int, list[int]], manager_id: int) -> set[int]:
    """Everyone below `manager_id` in `reports` (each manager's direct reports)."""
    team: set[int] = set()
    frontier = [manager_id]
    while frontier:
        for report in reports.get(frontier.pop(), []):
            if report not in team and report != manager_id:
                team.add(report)
                frontier.append(report)
    return team
