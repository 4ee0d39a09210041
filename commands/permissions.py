"""Who may do what: reps change their own deals, managers their team's, admins any."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store import people
from store.models import Deal, Person

# Who can, when a workspace has no admin yet (a refusal never names nobody).
NO_ADMIN = (
    "an admin (this workspace has none yet: `council people admin EMAIL` names one from "
    "the terminal)"
)


def is_manager(person: Person) -> bool:
    return person.role in ("manager", "admin")


def acts_for(session: Session, person: Person, owner_id: int) -> bool:
    """Whether `person` may act for the owner: themselves, their team (managers), anyone
    (admins)."""
    if person.role == "admin" or owner_id == person.id:
        return True
    if person.role == "manager":
        return owner_id in people.team_ids(session, person.workspace_id, person.id)
    return False


def can_change_deal(session: Session, person: Person, deal: Deal) -> bool:
    return acts_for(session, person, deal.owner_id)


def who_can_change(session: Session, deal: Deal) -> str:
    """Names of those who may change the deal, for a refusal to point at."""
    owner = people.get_person(session, deal.workspace_id, deal.owner_id)
    parts = []
    if owner is not None:
        parts.append(f"its owner {owner.display_name}")
        chain: list[Person] = []
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
