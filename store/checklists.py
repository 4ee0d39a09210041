"""Forecast-question answers and deal snoozes: appended rows whose latest is current."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session

from store.metrics import DIMENSION_COLUMNS
from store.models import DealAnswer, DealSnooze

DIMENSIONS = tuple(DIMENSION_COLUMNS)


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


@dataclass(frozen=True)
class Tally:
    """Deals closing in a period that share an owner, a category and every dimension value,
    and whether each has the latest answer to every question yes: `count` of them."""

    owner_id: int
    category: str
    cells: dict[str, str | None]
    complete: bool
    count: int


def _yes_counts(workspace_id: str, questions: Sequence[str]) -> Any:
    """Per deal, how many of `questions` have a latest answer of yes."""
    a = DealAnswer
    latest = (
        select(
            a.deal_id,
            a.answer,
            func.row_number()
            .over(
                partition_by=(a.deal_id, a.question), order_by=(a.answered_at.desc(), a.id.desc())
            )
            .label("n"),
        )
        .where(a.workspace_id == workspace_id, a.question.in_(list(questions)))
        .subquery()
    )
    return (
        select(latest.c.deal_id, func.count().label("yes"))
        .where(latest.c.n == 1, latest.c.answer == true())
        .group_by(latest.c.deal_id)
        .subquery()
    )


def tallies(
    session: Session,
    closing: Select[Any],
    workspace_id: str,
    questions: Sequence[str],
) -> list[Tally]:
    """The deals `closing` selects, counted by owner, category, dimension values and
    whether every question's latest answer is yes: one grouped query, however many deals."""
    deals = closing.order_by(None).subquery()
    yes = _yes_counts(workspace_id, questions)
    complete = func.coalesce(yes.c.yes, 0) >= len(questions)
    dims = [deals.c[d] for d in DIMENSIONS]
    query = (
        select(deals.c.owner_id, deals.c.forecast_category, *dims, complete, func.count())
        .select_from(deals.outerjoin(yes, yes.c.deal_id == deals.c.id))
        .group_by(deals.c.owner_id, deals.c.forecast_category, *dims, complete)
    )
    return [
        Tally(owner, category, dict(zip(DIMENSIONS, values, strict=True)), bool(done), count)
        for owner, category, *values, done, count in session.execute(query)
    ]


def first_incomplete(
    session: Session, closing: Select[Any], workspace_id: str, questions: Sequence[str], limit: int
) -> list[Any]:
    """The first `limit` deals (in `closing`'s order) without every answer yes."""
    yes = _yes_counts(workspace_id, questions)
    entity = closing.column_descriptions[0]["entity"]
    query = (
        closing.outerjoin(yes, yes.c.deal_id == entity.id)
        .where(func.coalesce(yes.c.yes, 0) < len(questions))
        .limit(limit)
    )
    return list(session.scalars(query))
