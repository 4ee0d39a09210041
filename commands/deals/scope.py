"""A /deal use case's view of the store: the asker, their workspace, and deals as their
readers see them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commands import checklist
from commands.deals.results import (
    DealCard,
    DealForm,
    DealView,
    FieldChange,
    HistoryEntry,
)
from commands.formatting import money
from commands.permissions import can_change_deal, is_manager, who_can_change
from commands.results import (
    CommandError,
    Problem,
    Refused,
)
from commands.stale import stale_reasons
from commands.unit import Unit
from commands.workspace import CATEGORIES, DIMENSIONS, local_today
from store import checklists, people, workspaces
from store import deals as store_deals
from store.models import Campaign, Deal, DealVersion

FIELD_LABELS = {
    "name": "name",
    "account": "account",
    "owner_id": "owner",
    "product": "product",
    "region": "region",
    "segment": "segment",
    "source": "source",
    "stage": "stage",
    "amount": "amount",
    "close_date": "close",
    "created_date": "created",
    "next_step": "next step",
    "forecast_category": "category",
    "campaign_id": "campaign",
}


class Scope:
    """One use case's view of the store: the session, the asker and the clock."""

    def __init__(self, unit: Unit) -> None:
        self.session = unit.session
        self.actor = unit.actor
        self.now = unit.now
        self.person, self.workspace = unit.member()
        self.today = local_today(self.workspace, self.now)
        self._names: dict[int, str] = {}

    def name_of(self, person_id: int | None) -> str:
        if person_id is None:
            return "someone"
        if person_id not in self._names:
            person = people.get_person(self.session, self.actor.workspace_id, person_id)
            self._names[person_id] = person.display_name if person else "someone"
        return self._names[person_id]

    def stale_reasons(self, deal: Deal) -> tuple[str, ...]:
        return stale_reasons(deal, self.today, self.now, self.workspace.stale_after_days)

    def view(self, deal: Deal) -> DealView:
        return DealView(
            id=deal.id,
            name=deal.name,
            account=deal.account,
            owner=self.name_of(deal.owner_id),
            owner_user_id=slack_id(self, deal.owner_id),
            stage=deal.stage,
            status=deal.status,
            amount=deal.amount,
            close_date=deal.close_date,
            created_date=deal.created_date,
            next_step=deal.next_step,
            category=deal.forecast_category,
            category_is_explicit=deal.category_is_explicit,
            product=deal.product,
            region=deal.region,
            segment=deal.segment,
            source=deal.source,
            external_id=deal.external_id,
            updated_at=deal.updated_at,
            currency=self.workspace.currency_symbol,
            stale=self.stale_reasons(deal),
            campaign=self.campaign_name(deal.campaign_id),
        )

    def campaign_name(self, campaign_id: int | None) -> str | None:
        found = self.session.get(Campaign, campaign_id) if campaign_id is not None else None
        return found.name if found is not None else None

    def shown(self, column: str, value: Any) -> str:
        """A logged value as people read it."""
        if value is None:
            return "–"
        if column == "owner_id":
            return self.name_of(int(value))
        if column == "amount":
            return money(Decimal(value), self.workspace.currency_symbol)
        if column == "campaign_id":
            return self.campaign_name(int(value)) or "–"
        return str(value)

    def field_changes(self, changes: dict[str, list[Any]]) -> list[FieldChange]:
        return [
            FieldChange(FIELD_LABELS[column], self.shown(column, old), self.shown(column, new))
            for column, (old, new) in changes.items()
            if column in FIELD_LABELS
        ]

    def entry(self, version: DealVersion) -> HistoryEntry:
        if version.version == 1:
            changes = [FieldChange("created", "", version.stage)]
        else:
            changes = self.field_changes(version.changes)
        return HistoryEntry(
            version.valid_from, self.name_of(version.changed_by_id), version.change_source, changes
        )

    def form(self, deal: Deal | None, name: str = "") -> DealForm:
        known = {
            dim: workspaces.list_dimension_values(self.session, self.workspace.id, dim)
            for dim in DIMENSIONS
        }
        stages = [s.name for s in workspaces.list_stages(self.session, self.workspace.id)]
        return DealForm(
            deal=self.view(deal) if deal else None,
            stages=stages,
            categories=list(CATEGORIES),
            known_values=known,
            can_set_owner=is_manager(self.person),
            name=name,
        )


def editable(s: Scope, deal_id: int) -> Deal:
    """The deal, locked for this change, if the asker may change it."""
    deal = store_deals.lock_deal(s.session, s.workspace.id, deal_id)
    if deal is None:
        raise CommandError(Problem(f"There is no deal #{deal_id}.", example="/deal find Acme"))
    not_deleted(s, deal)
    if not can_change_deal(s.session, s.person, deal):
        raise CommandError(
            Refused(
                f"{deal.name} belongs to {s.name_of(deal.owner_id)}; you cannot change it.",
                who_can=who_can_change(s.session, deal),
            )
        )
    return deal


def slack_id(s: Scope, person_id: int) -> str | None:
    person = people.get_person(s.session, s.workspace.id, person_id)
    return person.slack_user_id if person else None


def not_deleted(s: Scope, deal: Deal) -> None:
    """Refuse a deal whose Opportunity was deleted in Salesforce, saying so and when."""
    if deal.deleted_at is None:
        return
    day = local_today(s.workspace, deal.deleted_at)
    raise CommandError(
        Problem(
            f"{deal.name} was deleted in Salesforce on {day.isoformat()}: it is no longer "
            "in the pipeline (figures as of earlier moments still count it). Restore it "
            "there and the next sync brings it back."
        )
    )


def card(s: Scope, deal: Deal) -> DealCard:
    not_deleted(s, deal)
    versions = store_deals.history(s.session, s.workspace.id, deal.id, limit=5)
    answers = checklist.deal_answers(s.session, s.workspace, deal.id)
    asked = deal.forecast_category in checklist.CATEGORIES
    snoozes = checklists.snoozed(s.session, [deal.id], s.today)
    return DealCard(
        s.view(deal),
        [s.entry(v) for v in versions],
        can_edit=can_change_deal(s.session, s.person, deal),
        answers=answers if asked or any(a.answer is not None for a in answers) else [],
        snoozed=(snoozes[deal.id].until, snoozes[deal.id].reason) if deal.id in snoozes else None,
    )
