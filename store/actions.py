"""Actions on council cells, their events, and each digest's cell colours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.deals import MAX_ID
from store.models import Action, ActionEvent, DigestCell, DigestMessage, DigestRun


def add_action(session: Session, **fields: Any) -> Action:
    action = Action(**fields)
    session.add(action)
    session.flush()
    return action


def get_action(
    session: Session, workspace_id: str, action_id: int, *, lock: bool = False
) -> Action | None:
    """The workspace's action `action_id`; with `lock`, its row is locked until the
    transaction ends (PostgreSQL), so two changes to it run one after the other."""
    if not 0 < action_id <= MAX_ID:
        return None
    action = session.get(Action, action_id, with_for_update=lock or None, populate_existing=lock)
    return action if action is not None and action.workspace_id == workspace_id else None


def add_event(
    session: Session, action_id: int, at: datetime, by_id: int | None, kind: str, text: str = ""
) -> None:
    session.add(ActionEvent(action_id=action_id, at=at, by_id=by_id, kind=kind, text=text))


def events(session: Session, action_id: int) -> list[ActionEvent]:
    return list(
        session.scalars(
            select(ActionEvent).where(ActionEvent.action_id == action_id).order_by(ActionEvent.id)
        )
    )


def open_actions(
    session: Session,
    workspace_id: str | None = None,
    *,
    owner_id: int | None = None,
    council_id: int | None = None,
) -> list[Action]:
    query = select(Action).where(Action.status == "open")
    if workspace_id is not None:
        query = query.where(Action.workspace_id == workspace_id)
    if owner_id is not None:
        query = query.where(Action.owner_id == owner_id)
    if council_id is not None:
        query = query.where(Action.council_id == council_id)
    return list(session.scalars(query.order_by(Action.due_date, Action.id)))


def actions_of_council(session: Session, council_id: int, since: datetime) -> list[Action]:
    """The council's actions still open or assigned since `since`."""
    return list(
        session.scalars(
            select(Action)
            .where(Action.council_id == council_id)
            .where((Action.status == "open") | (Action.created_at >= since))
            .order_by(Action.id)
        )
    )


def actions_for_cell(
    session: Session, council_id: int, dimension: str, value: str, column: str
) -> list[Action]:
    return list(
        session.scalars(
            select(Action)
            .where(
                Action.council_id == council_id,
                Action.dimension == dimension,
                Action.value == value,
                Action.column == column,
            )
            .order_by(Action.id)
        )
    )


def all_actions(session: Session, council_id: int) -> list[Action]:
    return list(
        session.scalars(select(Action).where(Action.council_id == council_id).order_by(Action.id))
    )


def record_cells(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        session.add(DigestCell(**row))


def cell_history(
    session: Session, council_id: int, dimension: str, value: str, column: str
) -> list[DigestCell]:
    """The cell's colour in each posted digest of the council, oldest first."""
    return list(
        session.scalars(
            select(DigestCell)
            .join(DigestRun, DigestRun.id == DigestCell.run_id)
            .where(
                DigestCell.council_id == council_id,
                DigestCell.dimension == dimension,
                DigestCell.value == value,
                DigestCell.column == column,
                DigestRun.kind == "scheduled",
            )
            .order_by(DigestCell.id)
        )
    )


def run_by_thread(session: Session, channel: str, thread_ts: str) -> DigestRun | None:
    """The digest run whose first message started the thread `thread_ts`."""
    return session.scalar(
        select(DigestRun)
        .join(DigestMessage, DigestMessage.run_id == DigestRun.id)
        .where(
            DigestMessage.position == 0,
            DigestMessage.ts == thread_ts,
            DigestMessage.channel == channel,
        )
    )


def shown_red_after(
    session: Session, council_id: int, dimension: str, value: str, column: str, after: datetime
) -> bool:
    """Whether a scheduled digest of the council as of a moment after `after` showed the
    cell red."""
    found = session.scalar(
        select(DigestCell.id)
        .join(DigestRun, DigestRun.id == DigestCell.run_id)
        .where(
            DigestCell.council_id == council_id,
            DigestCell.dimension == dimension,
            DigestCell.value == value,
            DigestCell.column == column,
            DigestCell.color == "red",
            DigestRun.kind == "scheduled",
            DigestRun.as_of > after,
        )
        .limit(1)
    )
    return found is not None


def labelled_cells(session: Session, run_id: int, label: str) -> list[tuple[str, str, str]]:
    """The cells a digest run showed under `label` (a row's item covers several)."""
    rows = session.execute(
        select(DigestCell.dimension, DigestCell.value, DigestCell.column).where(
            DigestCell.run_id == run_id, DigestCell.label == label
        )
    )
    return [(d, v, c) for d, v, c in rows]
