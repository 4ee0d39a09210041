"""Assigning an action to an APM cell, as the assign form does, for tests that need one."""

from __future__ import annotations

from commands.actions import assign as assigning
from commands.context import Actor, Env, Place


def assign_spiff(
    env: Env,
    actor: Actor,
    owner: str,
    *,
    council_id: int = 1,
    dimension: str = "product",
    value: str = "Platform",
    description: str = "SPIFF for Platform",
    due: str = "2026-11-27",
    key: str = "k1",
    owner_timezone: str | None = "UTC",
) -> object:
    """A SPIFF on the council's closed-ACV cell R1 of 2026-Q4; the use case's result."""
    cell = assigning.Cell(council_id, None, "R1", dimension, value, "closed", "2026-Q4")
    return assigning.assign(
        env,
        actor,
        cell,
        Place(),
        owner=owner,
        kind="spiff",
        description=description,
        due=due,
        key=key,
        owner_timezone=owner_timezone,
    )
