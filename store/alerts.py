"""Deal alerts: subscriptions, the watermark over deal versions, and the alerts found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import on_postgresql
from store.models import Alert, AlertCursor, AlertSubscription, Deal, DealVersion


def add_subscription(session: Session, subscription: AlertSubscription) -> AlertSubscription:
    session.add(subscription)
    session.flush()
    return subscription


def subscriptions(
    session: Session, workspace_id: str, person_id: int | None = None
) -> list[AlertSubscription]:
    """The active subscriptions of the workspace (of one person), oldest first."""
    query = select(AlertSubscription).where(
        AlertSubscription.workspace_id == workspace_id, AlertSubscription.active.is_(True)
    )
    if person_id is not None:
        query = query.where(AlertSubscription.person_id == person_id)
    return list(session.scalars(query.order_by(AlertSubscription.id)))


def horizon(session: Session) -> int:
    """The highest deal version id below which no version can still appear.

    PostgreSQL hands out ids when rows are inserted, not when they commit, so a slow
    transaction may commit id 7 after id 8 is visible: reading past 8 would miss it for
    good. A SHARE lock waits for every transaction writing versions to end and keeps new
    ones out for the moment the maximum is read. SQLite has one writer at a time."""
    if on_postgresql(session):
        session.execute(text("SET LOCAL lock_timeout = '10s'"))
        session.execute(text("LOCK TABLE deal_versions IN SHARE MODE"))
    return int(session.scalar(select(func.coalesce(func.max(DealVersion.id), 0))) or 0)


def latest_version_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(DealVersion.id), 0))) or 0)


def cursor(session: Session, workspace_id: str) -> AlertCursor | None:
    return session.get(AlertCursor, workspace_id)


def start_cursor(session: Session, workspace_id: str, version_id: int, day: date) -> None:
    """The watermark's first position: alerts begin with what happens from now on."""
    try:
        with session.begin_nested():
            session.add(
                AlertCursor(
                    workspace_id=workspace_id, version_id=version_id, slips_checked=day, readings=0
                )
            )
    except IntegrityError:
        pass  # another clock started it


def advance(session: Session, workspace_id: str, readings: int, version_id: int, day: date) -> bool:
    """Move the watermark, if no one has since `readings`; only the winner reads."""
    moved = session.execute(
        update(AlertCursor)
        .where(AlertCursor.workspace_id == workspace_id, AlertCursor.readings == readings)
        .values(version_id=version_id, slips_checked=day, readings=readings + 1)
    )
    return getattr(moved, "rowcount", 0) == 1


def versions_between(
    session: Session, workspace_id: str, after: int, upto: int
) -> list[DealVersion]:
    return list(
        session.scalars(
            select(DealVersion)
            .where(
                DealVersion.workspace_id == workspace_id,
                DealVersion.id > after,
                DealVersion.id <= upto,
            )
            .order_by(DealVersion.id)
        )
    )


def open_deals_closing(session: Session, workspace_id: str, start: date, end: date) -> list[Deal]:
    """Deals open now whose close date is in `[start, end)`: those that slipped past it."""
    return list(
        session.scalars(
            select(Deal)
            .where(
                Deal.workspace_id == workspace_id,
                Deal.deleted_at.is_(None),
                Deal.status == "open",
                Deal.close_date >= start,
                Deal.close_date < end,
            )
            .order_by(Deal.id)
        )
    )


def add_event(
    session: Session,
    subscription: AlertSubscription,
    deal_id: int,
    batch: str,
    due_at: datetime,
    event: dict[str, Any],
) -> None:
    """Add the event to the subscription's alert about the deal in this batch, once."""
    alert = session.scalar(
        select(Alert).where(
            Alert.subscription_id == subscription.id,
            Alert.deal_id == deal_id,
            Alert.batch == batch,
        )
    )
    if alert is None:
        session.add(
            Alert(
                workspace_id=subscription.workspace_id,
                subscription_id=subscription.id,
                deal_id=deal_id,
                batch=batch,
                due_at=due_at,
                events=[event],
                revision=1,
                posted_revision=0,
            )
        )
        session.flush()
        return
    if any(e.get("key") == event["key"] for e in alert.events):
        return
    alert.events = [*alert.events, event]
    alert.revision += 1
    session.flush()


def pending(session: Session, workspace_id: str, now: datetime) -> list[Alert]:
    """Alerts due with events their message does not show yet, of subscriptions still on
    (a removed one's unsent alerts are dropped)."""
    return list(
        session.scalars(
            select(Alert)
            .join(AlertSubscription, AlertSubscription.id == Alert.subscription_id)
            .where(
                AlertSubscription.active.is_(True),
                Alert.workspace_id == workspace_id,
                Alert.revision > Alert.posted_revision,
                Alert.due_at <= now,
            )
            .order_by(Alert.id)
        )
    )


def in_batch(session: Session, subscription_id: int, batch: str) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.subscription_id == subscription_id, Alert.batch == batch)
            .order_by(Alert.id)
        )
    )


def mark(session: Session, alert_ids: Sequence[int], ts: str, revisions: dict[int, int]) -> None:
    """The message `ts` shows these alerts up to these revisions."""
    for alert in session.scalars(select(Alert).where(Alert.id.in_(list(alert_ids)))):
        alert.ts = ts
        alert.posted_revision = max(alert.posted_revision, revisions.get(alert.id, 0))


def take_delivery(session: Session, workspace_id: str, now: datetime, until: datetime) -> bool:
    """Hold the workspace's alert delivery until `until`, unless a live holder has it."""
    taken = session.execute(
        update(AlertCursor)
        .where(
            AlertCursor.workspace_id == workspace_id,
            (AlertCursor.delivering_until.is_(None)) | (AlertCursor.delivering_until <= now),
        )
        .values(delivering_until=until)
    )
    return getattr(taken, "rowcount", 0) == 1


def release_delivery(session: Session, workspace_id: str) -> None:
    session.execute(
        update(AlertCursor)
        .where(AlertCursor.workspace_id == workspace_id)
        .values(delivering_until=None)
    )
