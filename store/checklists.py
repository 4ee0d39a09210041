"""Forecast-question answers and deal snoozes: appended rows whose latest is current."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import DealAnswer, DealSnooze


def answers(session: Session, deal_ids: Iterable[int]) -> dict[int, dict[str, DealAnswer]]:
    """The current answer to each question, per deal."""
    ids = list(deal_ids)
    current: dict[int, dict[str, DealAnswer]] = {deal_id: {} for deal_id in ids}
    if not ids:
        return current
    rows = session.scalars(
        select(DealAnswer)
        .where(DealAnswer.deal_id.in_(ids))
        .order_by(DealAnswer.answered_at, DealAnswer.id)
    )
    for row in rows:
        current[row.deal_id][row.question] = row
    return current


def record_answer(
    session: Session,
    workspace_id: str,
    deal_id: int,
    question: str,
    answer: bool,
    *,
    by_id: int | None,
    at: datetime,
    via: str,
) -> None:
    session.add(
        DealAnswer(
            workspace_id=workspace_id,
            deal_id=deal_id,
            question=question,
            answer=answer,
            answered_by_id=by_id,
            answered_at=at,
            via=via,
        )
    )


def snooze(
    session: Session,
    workspace_id: str,
    deal_id: int,
    until: date,
    reason: str,
    *,
    by_id: int | None,
    at: datetime,
) -> None:
    session.add(
        DealSnooze(
            workspace_id=workspace_id,
            deal_id=deal_id,
            until=until,
            reason=reason,
            by_id=by_id,
            at=at,
        )
    )


def snoozed(session: Session, deal_ids: Iterable[int], today: date) -> dict[int, DealSnooze]:
    """The deals snoozed today, each with its latest snooze still running."""
    ids = list(deal_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(DealSnooze)
        .where(DealSnooze.deal_id.in_(ids), DealSnooze.until > today)
        .order_by(DealSnooze.at, DealSnooze.id)
    )
    return {row.deal_id: row for row in rows}
