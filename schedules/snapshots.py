"""The weekly forecast snapshot, taken by the clock at each council's digest time."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from commands.context import Env
from commands.snapshots import Snapshot, take_snapshot
from commands.unit import run_job
from store import councils as store_councils

log = logging.getLogger("council.snapshots")


def snapshot_week(env: Env, council_id: int) -> Snapshot | None:
    """This week's snapshot for the council's workspace, unless taken already."""

    def work(session: Session, now: datetime) -> Snapshot | None:
        council = store_councils.get_council(session, council_id)
        return None if council is None else take_snapshot(session, council, now)

    return run_job(env, work)


def snapshot_safely(env: Env, council_id: int) -> None:
    """A failed snapshot is logged and never stands in the way of the digest."""
    try:
        taken = snapshot_week(env, council_id)
    except Exception as error:
        log.error("forecast snapshot for council %s failed: %r", council_id, error)
        return
    if taken is not None and taken.cells:
        log.info("snapshotted %s cells for %s week %s", taken.cells, taken.period, taken.week)
