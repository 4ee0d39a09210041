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


@dataclass(frozen=True)
class Place:
    """Where a message is: its channel, the thread it is in, and the message itself (for a
    digest's cell, the cell's own message)."""

    channel: str | None = None
    thread_ts: str | None = None
    cell_ts: str | None = None


@dataclass(frozen=True)
class Pressed:
    """A button or checkbox pressed on one of the bot's messages.

    `value` is what the button carries; `selected` the ticked options of a checkbox group
    and `block_id` its block. `key` identifies this press (Slack's trigger or action time),
    so the same press delivered twice has one effect.
    """

    action_id: str
    value: str = ""
    place: Place = field(default_factory=Place)
    block_id: str = ""
    selected: tuple[str, ...] = ()
    key: str | None = None
    ephemeral: bool = False  # pressed on a reply only the presser sees


@dataclass(frozen=True)
class Submitted:
    """A form sent: each field's text, what the form carried (`metadata`), and a key that
    makes a resubmission harmless. `zones` holds the time zones the connector knows of the
    people picked in it (user id -> IANA zone)."""

    values: dict[str, str]
    metadata: dict[str, object]
    key: str
    zones: dict[str, str] = field(default_factory=dict)
