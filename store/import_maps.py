"""The column and stage maps a workspace's imports were given, kept for the next ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ImportMap

COLUMNS = "columns"
STAGES = "stages"
LEAD_STATUSES = "statuses"  # a Lead Status -> its step: MQL, accepted, rejected, ...


def saved_map(session: Session, workspace_id: str, kind: str) -> dict[str, str]:
    """What the workspace's imports were told of `kind`: theirs -> ours."""
    rows = session.scalars(
        select(ImportMap)
        .where(ImportMap.workspace_id == workspace_id, ImportMap.kind == kind)
        .order_by(ImportMap.id)
    )
    return {row.theirs: row.ours for row in rows}


def save_map(
    session: Session, workspace_id: str, kind: str, mapping: dict[str, str], now: datetime
) -> None:
    """Keep `mapping`, each entry replacing what the same `theirs` said before."""
    if not mapping:
        return
    existing = {
        row.theirs: row
        for row in session.scalars(
            select(ImportMap).where(
                ImportMap.workspace_id == workspace_id,
                ImportMap.kind == kind,
                ImportMap.theirs.in_(list(mapping)),
            )
        )
    }
    for theirs, ours in mapping.items():
        row = existing.get(theirs)
        if row is None:
            session.add(
                ImportMap(
                    workspace_id=workspace_id, kind=kind, theirs=theirs, ours=ours, updated_at=now
                )
            )
        else:
            row.ours, row.updated_at = ours, now
    session.flush()
