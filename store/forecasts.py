"""Forecast calls: appended, never changed, read as of a moment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ForecastCall


def add_call(
    session: Session,
    workspace_id: str,
    *,
    period: str,
    dimension: str,
    value: str,
    amount: Decimal | None,
    overrides: bool,
    called_by_id: int,
    called_at: datetime,
    via: str,
) -> ForecastCall:
    call = ForecastCall(
        workspace_id=workspace_id,
        period=period,
        dimension=dimension,
        value=value,
        amount=amount,
        overrides=overrides,
        called_by_id=called_by_id,
        called_at=called_at,
        via=via,
    )
    session.add(call)
    session.flush()
    return call


def calls_for(
    session: Session,
    workspace_id: str,
    period: str,
    dimensions: Iterable[str],
    at: datetime | None = None,
) -> list[ForecastCall]:
    """Every call for the period's cells of these dimensions, oldest first (up to `at`)."""
    query = select(ForecastCall).where(
        ForecastCall.workspace_id == workspace_id,
        ForecastCall.period == period,
        ForecastCall.dimension.in_(list(dimensions)),
    )
    if at is not None:
        query = query.where(ForecastCall.called_at <= at)
    return list(session.scalars(query.order_by(ForecastCall.called_at, ForecastCall.id)))


def overrides_as_of(
    session: Session, workspace_id: str, period: str, dimension: str, at: datetime
) -> dict[str, ForecastCall]:
    """The manager's call in force at `at` for each of the dimension's cells (and the
    total's): the latest one, unless that withdrew the call."""
    latest: dict[str, ForecastCall] = {}
    for call in calls_for(session, workspace_id, period, (dimension, "total"), at):
        if call.overrides:
            latest[f"{call.dimension}:{call.value}"] = call
    return {key: call for key, call in latest.items() if call.amount is not None}


def overrides_for_dimensions(
    session: Session, workspace_id: str, period: str, dimensions: Sequence[str], at: datetime
) -> dict[str, ForecastCall]:
    """`overrides_as_of` for several dimensions (and the total) from one query."""
    latest: dict[str, ForecastCall] = {}
    for call in calls_for(session, workspace_id, period, (*dimensions, "total"), at):
        if call.overrides:
            latest[f"{call.dimension}:{call.value}"] = call
    return {key: call for key, call in latest.items() if call.amount is not None}
