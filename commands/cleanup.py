"""Clean your room: each rep's stale deals, snoozes with a known reason, a manager's totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from commands.context import Actor, Env, Submitted
from commands.locales import read_date
from commands.parsing import ParseError, clean
from commands.permissions import acts_for, who_can_change
from commands.results import CommandError, Duplicate, FormErrors, Notice, Problem, Refused, Stop
from commands.stale import deal_label, stale_reasons
from commands.unit import Unit, run_unit
from commands.workspace import local_today
from store import checklists, people, workspaces
from store import deals as store_deals
from store.models import Deal, Person, Workspace

# The form that snoozes a stale deal's nudges.
SNOOZE_FORM = "deal_snooze"

MAX_SNOOZE_DAYS = 366
MAX_REASON = 300
SNOOZE_EXAMPLE = '/deal snooze Acme renewal until=1/10 reason="champion on leave"'


@dataclass(frozen=True)
class StaleDeal:
    id: int
    name: str
    label: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Snoozed:
    name: str
    until: date
    reason: str


@dataclass(frozen=True)
class CleanRoom:
    """A person's stale deals to fix or snooze, and those snoozed with a reason."""

    title: str
    deals: list[StaleDeal]
    snoozed: list[Snoozed]
    empty: str = "Nothing stale: every deal is current."


@dataclass(frozen=True)
class TeamRow:
    name: str
    stale: int
    reasons: dict[str, int]
    snoozed: int


@dataclass(frozen=True)
class TeamRoom:
    title: str
    rows: list[TeamRow]

    @property
    def stale(self) -> int:
        return sum(row.stale for row in self.rows)


@dataclass(frozen=True)
class SnoozeForm:
    deal_id: int
    deal_name: str
    reasons: tuple[str, ...]


def _kind(reason: str) -> str:
    """A stale reason's family, for a manager's totals."""
    if reason.startswith("no update"):
        return "no update"
    if reason == "close date passed":
        return "past close"
    return "missing fields"


def _stale(
    session: Session, workspace: Workspace, person: Person, now: datetime
) -> tuple[list[tuple[Deal, tuple[str, ...]]], dict[int, Snoozed]]:
    today = local_today(workspace, now)
    found = store_deals.deals_owned_by(session, workspace.id, [person.id])
    stale = [
        (deal, reasons)
        for deal in found
        if (reasons := stale_reasons(deal, today, now, workspace.stale_after_days))
    ]
    snoozes = checklists.snoozed(session, [deal.id for deal, _ in stale], today)
    snoozed = {
        deal.id: Snoozed(deal.name, snoozes[deal.id].until, snoozes[deal.id].reason)
        for deal, _ in stale
        if deal.id in snoozes
    }
    return stale, snoozed


def room(session: Session, workspace: Workspace, person: Person, now: datetime) -> CleanRoom:
    """The person's stale deals that are not snoozed, and the snoozed ones."""
    stale, snoozed = _stale(session, workspace, person, now)
    symbol = workspace.currency_symbol
    deals = [
        StaleDeal(
            deal.id,
            deal.name,
            deal_label(deal, symbol),
            reasons,
        )
        for deal, reasons in stale
        if deal.id not in snoozed
    ]
    return CleanRoom("Clean your room: your stale deals", deals, list(snoozed.values()))


def team_room(session: Session, workspace: Workspace, manager: Person, now: datetime) -> TeamRoom:
    """For each person on the manager's team, how many stale deals and why."""
    team = people.team_ids(session, workspace.id, manager.id)
    rows = []
    for person in people.list_people(session, workspace.id):
        if person.id not in team:
            continue
        stale, snoozed = _stale(session, workspace, person, now)
        open_stale = [reasons for deal, reasons in stale if deal.id not in snoozed]
        # Deals per family: a deal missing both amount and next step counts once.
        kinds = Counter(kind for reasons in open_stale for kind in {_kind(r) for r in reasons})
        rows.append(TeamRow(person.display_name, len(open_stale), dict(kinds), len(snoozed)))
    return TeamRoom("Clean your room: your team's stale deals", rows)


def _editable(session: Session, me: Person, deal_id: int) -> Deal:
    deal = store_deals.lock_deal(session, me.workspace_id, deal_id)
    if deal is None:
        raise CommandError(Problem("That deal is gone; `/deal list stale` lists yours."))
    if not acts_for(session, me, deal.owner_id):
        raise CommandError(
            Refused(f"You cannot snooze {deal.name}.", who_can=who_can_change(session, deal))
        )
    return deal


def snooze_form(env: Env, actor: Actor, deal_id: int) -> SnoozeForm | Stop | Duplicate:
    """The form that asks why and until when a stale deal should stop nudging."""

    def work(unit: Unit) -> SnoozeForm:
        me, workspace = unit.member()
        deal = _editable(unit.session, me, deal_id)
        today = local_today(workspace, unit.now)
        reasons = stale_reasons(deal, today, unit.now, workspace.stale_after_days)
        return SnoozeForm(deal.id, deal.name, reasons)

    return run_unit(env, actor, work)


def snooze_deal(
    session: Session, me: Person, deal: Deal, until_text: str, reason: str, now: datetime
) -> Notice:
    """Stop nudging about `deal` until a date, for a reason people can read."""
    workspace = workspaces.get_workspace(session, me.workspace_id)
    assert workspace is not None
    today = local_today(workspace, now)
    errors = {}
    reason = " ".join(reason.split())
    if not reason:
        errors["reason"] = 'Say why, e.g. "champion on leave until 1/10"'
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON} characters"
    until: date | None = None
    try:
        until = read_date(until_text, today, workspace) if until_text.strip() else None
    except ParseError as error:
        errors["until"] = f"{error}; write a date like 1/10 or next friday"
    if until is None and "until" not in errors:
        errors["until"] = "Until when? A date like 1/10 or next friday"
    elif until is not None and not today < until <= today + timedelta(days=MAX_SNOOZE_DAYS):
        errors["until"] = f"A snooze ends after today and within a year, not on {until.isoformat()}"
    if errors:
        raise CommandError(FormErrors(errors))
    assert until is not None
    checklists.snooze(session, workspace.id, deal.id, until, reason, by_id=me.id, at=now)
    return Notice(f"Snoozed {deal.name} until {until.isoformat()}: {reason}. No nudges till then.")


def snooze(
    env: Env, actor: Actor, deal_id: int, until_text: str, reason: str, key: str
) -> Notice | Stop | Duplicate:
    """The snooze form's submission; `key` makes a resubmission harmless."""
    until_text, reason = clean(until_text), clean(reason)

    def work(unit: Unit) -> Notice:
        deal = _editable(unit.session, unit.me, deal_id)
        return snooze_deal(unit.session, unit.me, deal, until_text, reason, unit.now)

    return run_unit(env, actor, work, key=key)


def submit_snooze(env: Env, actor: Actor, form: Submitted) -> Notice | Stop | Duplicate:
    """The snooze form sent: the deal comes back in what the form carried."""
    number = str(form.metadata.get("deal", ""))
    deal_id = int(number) if number.isascii() and number.isdigit() else 0
    values = form.values
    return snooze(env, actor, deal_id, values.get("until", ""), values.get("reason", ""), form.key)
