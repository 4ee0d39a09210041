"""Targets: per period, per dimension value (or the total), per metric."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Target


def set_target(
    session: Session,
    workspace_id: str,
    *,
    period: str,
    dimension: str,
    value: str,
    metric: str,
    amount: Decimal,
    now: datetime,
) -> Decimal | None:
    """Set one target; returns the amount it replaced, if any."""
    target = session.scalar(
        select(Target).where(
            Target.workspace_id == workspace_id,
            Target.period == period,
            Target.dimension == dimension,
            Target.value == value,
            Target.metric == metric,
        )
    )
    if target is None:
        session.add(
            Target(
                workspace_id=workspace_id,
                period=period,
                dimension=dimension,
                value=value,
                metric=metric,
                amount=amount,
                updated_at=now,
            )
        )
        session.flush()
        return None
    old = target.amount
    target.amount, target.updated_at = amount, now
    return old


def targets_for(
    session: Session, workspace_id: str, period: str, dimension: str
) -> dict[tuple[str, str], Decimal]:
    """`{(value, metric): amount}` for one period and dimension (`total` for the total)."""
    rows = session.execute(
        select(Target.value, Target.metric, Target.amount).where(
            Target.workspace_id == workspace_id,
            Target.period == period,
            Target.dimension == dimension,
        )
    ).all()
    return {(value, metric): amount for value, metric, amount in rows}


def list_targets(session: Session, workspace_id: str, period: str) -> list[Target]:
    return list(
        session.scalars(
            select(Target)
            .where(Target.workspace_id == workspace_id, Target.period == period)
            .order_by(Target.dimension, Target.value, Target.metric)
        )
    )


def targets_for_periods(
    session: Session, workspace_id: str, periods: Sequence[str], dimensions: Sequence[str]
) -> dict[tuple[str, str], dict[tuple[str, str], Decimal]]:
    """`targets_for` for several periods and dimensions in one query, by `(period,
    dimension)`: an APM of four dimensions with last year's needed 16 queries."""
    found: dict[tuple[str, str], dict[tuple[str, str], Decimal]] = {
        (period, dimension): {} for period in periods for dimension in dimensions
    }
    rows = session.execute(
        select(Target.period, Target.dimension, Target.value, Target.metric, Target.amount).where(
            Target.workspace_id == workspace_id,
            Target.period.in_(list(periods)),
            Target.dimension.in_(list(dimensions)),
        )
    )
    for period, dimension, value, metric, amount in rows:
        found[(period, dimension)][(value, metric)] = amount
    return found
