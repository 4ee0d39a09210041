"""Weekly forecast snapshots: written once per period, week and cell, then only read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import keys
from store.models import ForecastSnapshot


@dataclass(frozen=True)
class Taken:
    """One cell's figures as a snapshot records them."""

    dimension: str
    value: str
    call: Decimal | None
    calculated: Decimal


def claim_week(session: Session, workspace_id: str, period: str, week: int, now: datetime) -> bool:
    """Claim the week's snapshot in this transaction; False when another clock, council or
    retry took it before. The claim and the rows commit together, so a week is snapshotted
    exactly once and a snapshot is never rewritten."""
    return keys.claim(session, workspace_id, f"forecast-snapshot:{period}:{week}", now)


def record(
    session: Session,
    workspace_id: str,
    period: str,
    week: int,
    cells: Iterable[Taken],
    now: datetime,
) -> int:
    count = 0
    for cell in cells:
        session.add(
            ForecastSnapshot(
                workspace_id=workspace_id,
                period=period,
                week=week,
                dimension=cell.dimension,
                value=cell.value,
                call=cell.call,
                calculated=cell.calculated,
                taken_at=now,
            )
        )
        count += 1
    session.flush()
    return count


def snapshots_of(
    session: Session,
    workspace_id: str,
    periods: Sequence[str],
    cells: Iterable[tuple[str, str]],
) -> list[ForecastSnapshot]:
    """The snapshots of these cells in these periods, by period and week."""
    wanted = set(cells)
    dimensions = {d for d, _ in wanted}
    rows = session.scalars(
        select(ForecastSnapshot)
        .where(
            ForecastSnapshot.workspace_id == workspace_id,
            ForecastSnapshot.period.in_(list(periods)),
            ForecastSnapshot.dimension.in_(dimensions),
        )
        .order_by(ForecastSnapshot.period, ForecastSnapshot.week)
    )
    return [r for r in rows if (r.dimension, r.value) in wanted]
