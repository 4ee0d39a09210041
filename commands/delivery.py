"""Deliveries that must have one effect however often they arrive."""

from __future__ import annotations

from commands.context import Actor, Env
from commands.workspace import ensure_workspace
from store import keys
from store.db import retry_transient


@retry_transient
def first_delivery(env: Env, actor: Actor, key: str) -> bool:
    """True the first time `key` is seen in the actor's workspace, False after."""
    with env.db.transaction() as session:
        now = env.now()
        ensure_workspace(session, actor, now)
        return keys.claim(session, actor.workspace_id, key, now)
