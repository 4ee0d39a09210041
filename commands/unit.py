"""One use case, one unit of work.

Every use case that reads or writes the store runs through `run_unit`: one transaction,
run again when it lost a race with another (PostgreSQL's serialization failure or
deadlock), the moment it began, the person and workspace behind the actor (created on
first contact), and an idempotency key claimed in the same transaction as the effect, so a
redelivered button, form or event has one effect. A `CommandError` raised anywhere inside
rolls everything back and becomes the result it carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.results import CommandError, Duplicate, Stop
from commands.workspace import ensure_member
from store import keys
from store.db import retry_transient
from store.models import Person, Workspace

T = TypeVar("T")


@dataclass
class Unit:
    """What a use case works with: the transaction, its moment and who is asking."""

    session: Session
    env: Env
    actor: Actor
    now: datetime
    _member: tuple[Person, Workspace] | None = field(default=None, repr=False)

    def member(self) -> tuple[Person, Workspace]:
        """The person and workspace behind the actor, created on first contact."""
        if self._member is None:
            self._member = ensure_member(self.session, self.actor, self.now)
        return self._member

    @property
    def me(self) -> Person:
        return self.member()[0]


def run_job(env: Env, work: Callable[[Session, datetime], T]) -> T:
    """Work that no one asked for (the clock's jobs, installs): one transaction at one
    moment, run again when it lost a race."""

    @retry_transient
    def once() -> T:
        with env.db.transaction() as session:
            return work(session, env.now())

    return once()


def run_unit(
    env: Env, actor: Actor, work: Callable[[Unit], T], *, key: str | None = None
) -> T | Stop | Duplicate:
    """Run `work` as one unit; with a `key`, at most once (later runs give `Duplicate`)."""

    @retry_transient
    def once() -> T | Stop | Duplicate:
        try:
            with env.db.transaction() as session:
                unit = Unit(session, env, actor, env.now())
                if key is not None and not keys.claim(session, actor.workspace_id, key, unit.now):
                    return Duplicate()
                return work(unit)
        except CommandError as error:
            return error.result

    return once()
