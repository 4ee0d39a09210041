"""Delivering a council's digest exactly once per week, whatever crashes or races."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from commands.context import Env
from commands.councils.meeting import this_weeks_meeting, week_of
from commands.digest import build_digest, cell_rows
from schedules.outlet import Outlet, OutletFor, Unreachable
from schedules.snapshots import snapshot_safely
from store import actions as store_actions
from store import councils as store_councils
from store import people, workspaces

log = logging.getLogger("council.digest")
LEASE = timedelta(minutes=10)
# Who holds a run, as another process reports it: this host and process.
HOLDER = f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class Delivery:
    """What one attempt did: posted, skipped (posted already), held (by another process,
    live or stopped), failed (retryable) or paused."""

    status: str
    council: str
    run_id: int | None = None
    posted: int = 0
    detail: str = ""


def deliver(
    env: Env,
    outlet_for: OutletFor,
    council_id: int,
    kind: str = "scheduled",
    *,
    resume: bool = False,
) -> Delivery:
    """Claim this week's run of the council's digest, build it once, and post what is not
    posted yet. A second call, another process, or a retry finds the claim and stops; a run
    that failed or whose process died is resumed where it stopped (with `resume`, at once,
    without waiting for its holder's lease to run out)."""
    now = env.now()
    with env.db.transaction() as session:
        council = store_councils.get_council(session, council_id)
        assert council is not None
        name, workspace_id = council.name, council.workspace_id
        week = week_of(this_weeks_meeting(council, now).date())
        run = store_councils.claim_run(
            session, council, week, kind, now=now, lease=LEASE, holder=HOLDER, resume=resume
        )
        if run is None:
            return _not_claimed(session, name, council_id, week, kind)
        run_id, payload = run.id, run.payload
    # Messages in the payload mean an earlier attempt built it and may have posted some.
    resumed = bool(payload.get("messages"))
    try:
        # Found before the next transaction: finding it may read the store (a token).
        outlet = outlet_for(workspace_id)
        if not resumed:
            payload = _build(env, outlet, council_id, run_id, week, kind, now)
    except Exception as error:
        # Whatever this council's data does to the builder, the run is left failed (taken
        # over by the next attempt), never `running` with an empty payload, and the
        # caller (the clock, another council's job) carries on.
        log.error("digest of %s could not be built (%r); the next attempt retries it", name, error)
        log.debug("why the digest of %s could not be built", name, exc_info=True)
        with env.db.transaction() as session:
            store_councils.finish_run(session, run_id, "failed", env.now(), repr(error)[:500])
        return Delivery("failed", name, run_id, detail=f"could not build it: {error!r}"[:200])
    with env.db.transaction() as session:
        posted = store_councils.posted_messages(session, run_id)

    def record(position: int, ts: str) -> None:
        with env.db.transaction() as session:
            moment = env.now()
            store_councils.record_message(session, run_id, position, payload["channel"], ts, moment)
            store_councils.extend_lease(session, run_id, moment + LEASE)

    try:
        count = outlet.post_digest(payload, posted, record, run_id=run_id, resumed=resumed)
    except Unreachable as error:
        _pause(env, outlet, council_id, error.error, run_id)
        return Delivery("paused", name, run_id, detail=error.error)
    except Exception as error:
        log.exception("digest of %s failed; the next attempt resumes it", name)
        with env.db.transaction() as session:
            store_councils.finish_run(session, run_id, "failed", env.now(), repr(error)[:500])
        return Delivery("failed", name, run_id, detail=repr(error)[:200])
    with env.db.transaction() as session:
        store_councils.finish_run(session, run_id, "posted", env.now())
    return Delivery("posted", name, run_id, count)


def _not_claimed(session: Session, name: str, council_id: int, week: str, kind: str) -> Delivery:
    """Why the run was not ours: posted already, or held by a process that is posting it
    or stopped without letting go (its lease says until when)."""
    run = store_councils.run_of(session, council_id, week, kind)
    if run is None:  # claimed by another process since this transaction began
        return Delivery("held", name, detail=f"{week} was claimed by another process just now")
    if run.status == "posted":
        return Delivery("skipped", name, run.id, detail=f"{week} is posted")
    until = f"{run.lease_until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    return Delivery(
        "held",
        name,
        run.id,
        detail=(
            f"{week} is in progress or stale: run {run.id} started "
            f"{run.started_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC is held by "
            f"{store_councils.holder_of(run)} until {until}. If that process is gone, "
            "--resume takes the run over now; otherwise it is taken over after " + until
        ),
    )


def _build(
    env: Env, outlet: Outlet, council_id: int, run_id: int, week: str, kind: str, now: datetime
) -> dict[str, Any]:
    """The run's payload, built and stored with its cells in one transaction (background
    work: a large organisation's digest may take longer than a command may)."""
    with env.db.transaction(background=True) as session:
        council = store_councils.get_council(session, council_id)
        assert council is not None
        digest = build_digest(session, council, now)
        payload = outlet.digest_payload(digest, run_id)
        store_councils.set_payload(session, run_id, payload, now)
        if kind == "scheduled":
            store_actions.record_cells(session, cell_rows(digest, run_id, week))
    return payload


def _pause(env: Env, outlet: Outlet, council_id: int, error: str, run_id: int) -> None:
    with env.db.transaction() as session:
        council = store_councils.get_council(session, council_id)
        assert council is not None
        council.paused, council.paused_reason = True, f"Slack said {error}"
        creator = people.get_person(session, council.workspace_id, council.created_by_id or -1)
        name, channel = council.name, council.channel_id
        creator_id = creator.slack_user_id if creator else None
        for run in store_councils.runs_for(session, council_id):
            if run.status == "running":
                store_councils.finish_run(session, run.id, "failed", env.now(), error)
    if creator_id:
        outlet.tell_creator(creator_id, name, f"<#{channel}>", error, f"paused:{run_id}")


def is_due(meeting: datetime, now: datetime) -> bool:
    """Due from the meeting time until the end of that local day: a clock that was down
    posts late the same day, never a day later."""
    local = now.astimezone(meeting.tzinfo)
    return meeting <= local and local.date() == meeting.date()


def deliver_due(env: Env, outlet_for: OutletFor) -> list[Delivery]:
    """Deliver every active council's digest that is due now (and not posted yet)."""
    now = env.now()
    with env.db.transaction() as session:
        active = set(workspaces.workspace_ids(session, active_only=True))
        due = [
            c.id
            for c in store_councils.councils(session)
            if c.workspace_id in active and not c.paused and is_due(this_weeks_meeting(c, now), now)
        ]
    return [deliver_safely(env, outlet_for, council_id) for council_id in due]


def deliver_safely(env: Env, outlet_for: OutletFor, council_id: int) -> Delivery:
    """One council's delivery; whatever it raises is logged and stops no other council.
    The week's forecast snapshot is taken first, at the same scheduled time."""
    snapshot_safely(env, council_id)
    try:
        return deliver(env, outlet_for, council_id)
    except Exception as error:
        log.error("digest of council %s failed: %r", council_id, error)
        log.debug("why the digest of council %s failed", council_id, exc_info=True)
        return Delivery("failed", f"council {council_id}", detail=repr(error)[:200])
