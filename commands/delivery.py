"""Deliveries that must have one effect however often they arrive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.unit import run_job
from commands.workspace import ensure_workspace
from store import keys


def first_delivery(env: Env, actor: Actor, key: str) -> bool:
    """True the first time `key` is seen in the actor's workspace, False after."""

    def work(session: Session, now: datetime) -> bool:
        ensure_workspace(session, actor, now)
        return keys.claim(session, actor.workspace_id, key, now)

    return run_job(env, work)
