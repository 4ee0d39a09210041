"""Who may do what: reps change their own deals, managers their team's, admins any."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store import people
from store.models import Deal, Person


def is_manager(person: Person) -> bool:
    return person.role in ("manager", "admin")


def can_change_deal(session: Session, person: Person, deal: Deal) -> bool:
    if person.role == "admin" or deal.owner_id == person.id:
        return True
    if person.role == "manager":
        return deal.owner_id in people.team_ids(session, person.workspace_id, person.id)
    return False


def can_own(session: Session, person: Person, owner: Person) -> bool:
    """Whether `person` may give a deal to `owner`."""
    if person.role == "admin" or owner.id == person.id:
        return True
    if person.role == "manager":
        return owner.id in people.team_ids(session, person.workspace_id, person.id)
    return False


def who_can_change(session: Session, deal: Deal) -> str:
    """Names of those who may change the deal, for a refusal to point at."""
    owner = people.get_person(session, deal.workspace_id, deal.owner_id)
    parts = []
    if owner is not None:
        parts.append(f"its owner {owner.display_name}")
        chain = []
        boss_id = owner.manager_id
        while boss_id is not None and len(chain) < 5:
            boss = people.get_person(session, deal.workspace_id, boss_id)
            if boss is None or boss in chain:
                break
            chain.append(boss)
            boss_id = boss.manager_id
        if chain:
            parts.append("their manager " + " or ".join(b.display_name for b in chain))
    parts.append("an admin")
    return ", ".join(parts[:-1]) + (" or " if len(parts) > 1 else "") + parts[-1]
