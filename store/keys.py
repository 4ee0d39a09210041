"""Idempotency claims: each key has its effect once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import ProcessedKey


def release(session: Session, workspace_id: str, key: str) -> None:
    """Give a claim back, when its effect could not happen after all."""
    session.execute(
        delete(ProcessedKey).where(
            ProcessedKey.workspace_id == workspace_id, ProcessedKey.key == key[:191]
        )
    )


def exists(session: Session, workspace_id: str, key: str) -> bool:
    """Whether `key` is claimed."""
    found = session.scalar(
        select(ProcessedKey.key).where(
            ProcessedKey.workspace_id == workspace_id, ProcessedKey.key == key[:191]
        )
    )
    return found is not None


def claim(session: Session, workspace_id: str, key: str, now: datetime) -> bool:
    """Claim `key` in this transaction; False when it was claimed before.

    The primary key makes a concurrent second claim fail, so whichever transaction claims
    second loses, and the effect that shares its transaction never happens.
    """
    key = key[:191]
    if exists(session, workspace_id, key):
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedKey(workspace_id=workspace_id, key=key, created_at=now))
    except IntegrityError:
        return False
    return True
