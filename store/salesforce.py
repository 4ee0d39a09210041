"""A workspace's Salesforce connection, how far each pull has committed, its users, and
the outbox of changes to write back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from store import deals as store_deals
from store.models import (
    SalesforceConnection,
    SalesforceOutbox,
    SalesforceSync,
    SalesforceUser,
)

PENDING = "pending"


def connection(session: Session, workspace_id: str) -> SalesforceConnection | None:
    return session.get(SalesforceConnection, workspace_id)


def connected_workspaces(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(SalesforceConnection.workspace_id).order_by(SalesforceConnection.workspace_id)
        )
    )


def claim_sync(
    session: Session,
    workspace_id: str,
    *,
    now: datetime,
    until: datetime,
    not_started_since: datetime | None = None,
) -> bool:
    """Hold the workspace's sync until `until`, unless a live holder has it (or, with
    `not_started_since`, one began after that moment). Of several clocks racing here only
    one sees its UPDATE match the row."""
    query = update(SalesforceConnection).where(
        SalesforceConnection.workspace_id == workspace_id,
        or_(SalesforceConnection.lease_until.is_(None), SalesforceConnection.lease_until <= now),
    )
    if not_started_since is not None:
        query = query.where(
            or_(
                SalesforceConnection.last_started_at.is_(None),
                SalesforceConnection.last_started_at <= not_started_since,
            )
        )
    taken = session.execute(query.values(lease_until=until, last_started_at=now))
    return getattr(taken, "rowcount", 0) == 1


def sync_state(session: Session, workspace_id: str, sobject: str) -> SalesforceSync:
    """The object's sync state, made on first use."""
    state = session.get(SalesforceSync, (workspace_id, sobject))
    if state is None:
        state = SalesforceSync(workspace_id=workspace_id, sobject=sobject, rows=0)
        session.add(state)
        session.flush()
    return state


def sync_states(session: Session, workspace_id: str) -> list[SalesforceSync]:
    return list(
        session.scalars(
            select(SalesforceSync)
            .where(SalesforceSync.workspace_id == workspace_id)
            .order_by(SalesforceSync.sobject)
        )
    )


def users_by_id(
    session: Session, workspace_id: str, user_ids: Sequence[str] | None = None
) -> dict[str, SalesforceUser]:
    query = select(SalesforceUser).where(SalesforceUser.workspace_id == workspace_id)
    if user_ids is not None:
        query = query.where(SalesforceUser.user_id.in_(list(user_ids)))
    return {user.user_id: user for user in session.scalars(query)}


def delete_deals(session: Session, workspace_id: str, gone: Mapping[str, datetime]) -> int:
    """End the deals whose Opportunities were deleted in Salesforce (Id -> when), history
    kept; how many had not ended already."""
    deals = store_deals.deals_by_external_ids(session, workspace_id, list(gone))
    fresh = [deal for deal in deals.values() if deal.deleted_at is None]
    for deal in fresh:
        store_deals.end_deal(session, deal, gone[deal.external_id or ""])
    return len(fresh)


def pending_for(session: Session, workspace_id: str, opportunity_ids: Sequence[str]) -> set[str]:
    """Which of these Opportunities have a change here not yet written to Salesforce."""
    return set(
        session.scalars(
            select(SalesforceOutbox.opportunity_id).where(
                SalesforceOutbox.workspace_id == workspace_id,
                SalesforceOutbox.status.in_([PENDING, "conflict"]),
                SalesforceOutbox.opportunity_id.in_(list(opportunity_ids)),
            )
        )
    )


def pending_row(session: Session, deal_id: int) -> SalesforceOutbox | None:
    return session.scalar(
        select(SalesforceOutbox).where(
            SalesforceOutbox.deal_id == deal_id, SalesforceOutbox.status == PENDING
        )
    )


def due(session: Session, workspace_id: str, now: datetime, limit: int = 200) -> list[int]:
    """The outbox rows to deliver now, oldest first."""
    return list(
        session.scalars(
            select(SalesforceOutbox.id)
            .where(
                SalesforceOutbox.workspace_id == workspace_id,
                SalesforceOutbox.status == PENDING,
                SalesforceOutbox.due_at <= now,
            )
            .order_by(SalesforceOutbox.id)
            .limit(limit)
        )
    )


def outbox_row(session: Session, workspace_id: str, row_id: int) -> SalesforceOutbox | None:
    """The row, locked until the transaction ends (so two workers never send it twice)."""
    return session.scalar(
        select(SalesforceOutbox)
        .where(SalesforceOutbox.workspace_id == workspace_id, SalesforceOutbox.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def outbox_counts(session: Session, workspace_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in session.scalars(
        select(SalesforceOutbox.status).where(SalesforceOutbox.workspace_id == workspace_id)
    ):
        counts[status] = counts.get(status, 0) + 1
    return counts
