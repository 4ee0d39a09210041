"""Leads, their status changes, and the workspace's SLA settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from store.deals import valid_at
from store.models import (
    Campaign,
    CampaignMember,
    DealVersion,
    Lead,
    LeadChange,
    Person,
    SlaSettings,
)

LEAD_STATUSES = ("Open", "MQL", "accepted", "rejected", "converted")


def get_settings(session: Session, workspace_id: str) -> SlaSettings | None:
    return session.get(SlaSettings, workspace_id)


def save_settings(
    session: Session, workspace_id: str, values: dict[str, Any], now: datetime
) -> SlaSettings:
    """Set the given settings, creating the row (with `values` as its first values)."""
    row = session.get(SlaSettings, workspace_id, with_for_update=True)
    if row is None:
        row = SlaSettings(workspace_id=workspace_id, updated_at=now, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
    session.flush()
    return row


def leads_by_external_ids(
    session: Session, workspace_id: str, external_ids: Sequence[str]
) -> dict[str, Lead]:
    if not external_ids:
        return {}
    found = session.scalars(
        select(Lead).where(Lead.workspace_id == workspace_id, Lead.external_id.in_(external_ids))
    )
    return {lead.external_id or "": lead for lead in found}


def mark_deleted(
    session: Session, workspace_id: str, deleted: dict[str, datetime], live: Sequence[str]
) -> int:
    """Leads deleted in Salesforce (by Id, with the moment) are kept, marked; those it
    gives back (`live`, undeleted) lose the mark. How many were newly marked."""
    if live:
        session.execute(
            update(Lead)
            .where(
                Lead.workspace_id == workspace_id,
                Lead.external_id.in_(list(live)),
                Lead.deleted_at.is_not(None),
            )
            .values(deleted_at=None)
            # Nothing in the session reads the mark afterwards; finding its objects costs.
            .execution_options(synchronize_session=False)
        )
    marked = 0
    for lead in leads_by_external_ids(session, workspace_id, list(deleted)).values():
        if lead.deleted_at is None:
            lead.deleted_at = deleted[lead.external_id or ""]
            marked += 1
    return marked


def campaigns_from_members(session: Session, workspace_id: str, lead_ids: Sequence[str]) -> None:
    """Leads without a campaign take the one they joined first (Salesforce's Lead has no
    campaign field of its own: its campaigns are its CampaignMember records)."""
    if not lead_ids:
        return
    first = (
        select(Campaign.external_id)
        .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(
            CampaignMember.workspace_id == workspace_id,
            CampaignMember.lead_id == Lead.external_id,
        )
        .order_by(CampaignMember.created_at, CampaignMember.id)
        .limit(1)
        .scalar_subquery()
    )
    session.execute(
        update(Lead)
        .where(
            Lead.workspace_id == workspace_id,
            Lead.external_id.in_(list(lead_ids)),
            Lead.campaign_external_id.is_(None),
        )
        .values(campaign_external_id=first)
        .execution_options(synchronize_session=False)
    )


def get_lead(session: Session, workspace_id: str, lead_id: int) -> Lead | None:
    lead = session.get(Lead, lead_id)
    return lead if lead is not None and lead.workspace_id == workspace_id else None


def lock_lead(session: Session, workspace_id: str, lead_id: int) -> Lead | None:
    """The lead, its row locked (PostgreSQL) so two clicks at once decide in turn."""
    return session.scalar(
        select(Lead)
        .where(Lead.workspace_id == workspace_id, Lead.id == lead_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def record_change(
    session: Session,
    lead: Lead,
    new_status: str,
    *,
    at: datetime,
    via: str,
    by_id: int | None = None,
    reason: str | None = None,
    first: bool = False,
) -> None:
    """Keep the change of status, and make it the lead's; `first` is the lead's first
    status, which changed from nothing."""
    if new_status == lead.status and reason is None and not first:
        return
    session.add(
        LeadChange(
            workspace_id=lead.workspace_id,
            lead_id=lead.id,
            at=at,
            old_status=None if first else lead.status,
            new_status=new_status,
            reason=reason,
            by_id=by_id,
            via=via,
        )
    )
    lead.status = new_status


def confirm_changes(
    session: Session, lead: Lead, status: str, *, at: datetime, guessed: str, via: str
) -> bool:
    """Give the lead's changes to `status` recorded `guessed` their exact moment and
    source; whether there were any."""
    done = session.execute(
        update(LeadChange)
        .where(
            LeadChange.lead_id == lead.id,
            LeadChange.new_status == status,
            LeadChange.via == guessed,
        )
        .values(at=at, via=via)
    )
    return bool(getattr(done, "rowcount", 0))


def changes_of(session: Session, workspace_id: str, lead_id: int) -> list[LeadChange]:
    return list(
        session.scalars(
            select(LeadChange)
            .where(LeadChange.workspace_id == workspace_id, LeadChange.lead_id == lead_id)
            .order_by(LeadChange.at, LeadChange.id)
        )
    )


@dataclass(frozen=True)
class Handoff:
    """What the SLA's figures read of a lead: its MQL moment and what followed."""

    id: int
    source: str | None
    segment: str | None
    campaign: str | None
    owner_zone: str | None
    mql_at: datetime
    accepted_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str | None
    converted_at: datetime | None
    converted_deal_id: int | None
    feedback_at: datetime | None  # when sales gave the rejection's reason


def mqls_between(
    session: Session, workspace_id: str, start: datetime, before: datetime
) -> list[Handoff]:
    """Leads whose MQL moment is in `[start, before)`, with their owner's time zone:
    one range scan of the MQL index."""
    query = (
        select(
            Lead.id,
            Lead.source,
            Lead.segment,
            Lead.campaign_external_id.label("campaign"),
            Person.timezone.label("owner_zone"),
            Lead.mql_at,
            Lead.accepted_at,
            Lead.rejected_at,
            Lead.rejection_reason,
            Lead.converted_at,
            Lead.converted_deal_id,
            Lead.feedback_at,
        )
        .outerjoin(Person, Person.id == Lead.owner_id)
        .where(Lead.workspace_id == workspace_id, Lead.mql_at >= start, Lead.mql_at < before)
    )
    # Plain rows through the connection: tens of thousands of MQLs a quarter, and building
    # each through the ORM's row machinery cost more than the figures themselves.
    rows = session.connection().execute(query)
    return [Handoff(*cast(tuple[Any, ...], row)) for row in rows]


def awaiting_feedback(session: Session, workspace_id: str | None, now: datetime) -> list[Lead]:
    """Leads rejected by `now` without a reason whose feedback window still has a notice
    to come (once the late notice is out, a lead leaves this list)."""
    query = select(Lead).where(
        Lead.rejected_at.is_not(None),
        Lead.rejected_at <= now,
        Lead.feedback_at.is_(None),
        Lead.feedback_late_told_at.is_(None),
        Lead.accepted_at.is_(None),
        Lead.converted_at.is_(None),
    )
    if workspace_id is not None:
        query = query.where(Lead.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Lead.id)))


def won_at(session: Session, workspace_id: str, deal_ids: Sequence[int], at: datetime) -> set[int]:
    """Of these deals, the ones won as they stood at `at`."""
    won: set[int] = set()
    ids = sorted(set(deal_ids))
    for first in range(0, len(ids), 1000):  # IN lists of a bounded length
        chunk = ids[first : first + 1000]
        query = select(DealVersion.deal_id).where(
            and_(
                DealVersion.workspace_id == workspace_id,
                DealVersion.deal_id.in_(chunk),
                valid_at(at),
                DealVersion.status == "won",
            )
        )
        won.update(session.scalars(query))
    return won


def count_leads(session: Session, workspace_id: str) -> int:
    query = select(func.count()).select_from(Lead).where(Lead.workspace_id == workspace_id)
    return session.scalar(query) or 0


def has_mqls(session: Session, workspace_id: str) -> bool:
    """Whether any lead of the workspace ever became an MQL (one probe of the MQL index)."""
    query = select(Lead.id).where(Lead.workspace_id == workspace_id, Lead.mql_at.is_not(None))
    return session.scalar(query.limit(1)) is not None
