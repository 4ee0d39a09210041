"""Showing, listing and finding deals."""

from __future__ import annotations

from commands.deals.changes import (
    choose,
    not_found,
    resolve,
)
from commands.deals.results import (
    DealList,
    DealResult,
)
from commands.deals.scope import Scope, card, editable
from commands.permissions import is_manager
from commands.results import (
    CommandError,
    Problem,
    Refused,
)
from store import checklists, people
from store import deals as store_deals
from store.deals import MAX_LISTED


def show_or_edit(s: Scope, op: str, target: str) -> DealResult:
    if not target:
        if op == "edit":
            return s.form(None)
        raise CommandError(Problem("Which deal?", example=f"/deal {op} Acme renewal"))
    found = resolve(s, target)
    if not found:
        return not_found(target, {})
    if len(found) > 1:
        return choose(s, target, found, op, {})
    if op == "show":
        return card(s, found[0])
    return s.form(editable(s, found[0].id))


def list_deals(s: Scope, words: list[str]) -> DealResult:
    scopes = {"mine", "team", "all"}
    unknown = [w for w in words if w not in scopes | {"stale"}]
    if unknown:
        raise CommandError(
            Problem(f"`{' '.join(unknown)}` is not a list I know.", example="/deal list team stale")
        )
    scope = next((w for w in words if w in scopes), "mine")
    stale = "stale" in words
    if scope == "mine":
        owner_ids = [s.person.id]
        title = "Your open deals"
    elif scope == "team":
        if not is_manager(s.person):
            raise CommandError(
                Problem("Only managers have a team list; yours is `/deal list mine`.")
            )
        owner_ids = sorted(people.team_ids(s.session, s.workspace.id, s.person.id) | {s.person.id})
        title = "Your team's open deals"
    else:
        if s.person.role != "admin":
            raise CommandError(Refused("Only admins can list every deal.", who_can="an admin"))
        owner_ids = [p.id for p in people.list_people(s.session, s.workspace.id)]
        title = "All open deals"
    found = store_deals.deals_owned_by(s.session, s.workspace.id, owner_ids)
    views = [s.view(d) for d in found[:MAX_LISTED]]
    if stale:
        snoozed = checklists.snoozed(s.session, [v.id for v in views if v.stale], s.today)
        views = [v for v in views if v.stale and v.id not in snoozed]
        title = title.replace("open deals", "stale deals")
        if snoozed:
            title += f" ({len(snoozed)} more snoozed)"
    empty = "Nothing stale: every deal is current." if stale else "No open deals."
    if scope == "mine" and is_manager(s.person):
        empty += " `/deal list team` shows your team's."
    return DealList(title, views, more=len(found) > MAX_LISTED, empty=empty)


def find_deals(s: Scope, query: str) -> DealResult:
    if not query:
        raise CommandError(Problem("Find what?", example="/deal find acme"))
    found = store_deals.deals_matching(s.session, s.workspace.id, query.split(), in_account=True)
    return DealList(
        f"Deals matching “{query}”",
        [s.view(d) for d in found[:MAX_LISTED]],
        more=len(found) > MAX_LISTED,
        empty=f"No deal matches “{query}”.",
    )
