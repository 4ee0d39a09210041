"""What every use case is given: the store, the clock, and who is asking from where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Env:
    """The store and the clock. Tests hand in a clock they control."""

    db: Database
    clock: Callable[[], datetime] = field(default=utc_now)

    def now(self) -> datetime:
        return self.clock()


@dataclass(frozen=True)
class Actor:
    """Who is asking, in which workspace, and through which door.

    `via` is recorded with every change: slash_command, modal, button, mention, console.
    """

    workspace_id: str
    user_id: str
    display_name: str
    via: str
    workspace_name: str = ""
    timezone: str | None = None  # the person's own, when the connector knows it
