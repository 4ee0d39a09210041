"""Councils' daily posts, each exactly once per local day, whatever retries or clocks.

Each day's post is a `DigestRun` whose week is the local date and whose kind is
`daily-<kind>`: the same claim, lease and resume as the weekly digest."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from commands.context import Env
from commands.councils.daily import build_daily, due_day
from schedules.digests import HOLDER, Delivery
from schedules.outlet import OutletFor, Unreachable
from store import councils as store_councils
from store import workspaces
from store.models import CouncilDaily

log = logging.getLogger("council.daily")
LEASE = timedelta(minutes=10)


def post_dailies(env: Env, outlet_for: OutletFor) -> list[Delivery]:
    """Post every daily post due now that is not posted yet."""
    now = env.now()
    with env.db.transaction() as session:
        active = set(workspaces.workspace_ids(session, active_only=True))
        due = []
        for daily in session.query(CouncilDaily).order_by(CouncilDaily.council_id):
            council = store_councils.get_council(session, daily.council_id)
            if council is None or council.paused or council.deleted:
                continue
            if council.workspace_id in active and due_day(council, daily, now) is not None:
                due.append(daily.council_id)
    done = []
    for council_id in due:
        try:
            done.append(post_daily(env, outlet_for, council_id, now))
        except Exception as error:
            log.exception("daily post of council %s failed", council_id)
            done.append(Delivery("failed", f"council {council_id}", detail=repr(error)[:200]))
    return done


def post_daily(env: Env, outlet_for: OutletFor, council_id: int, now: datetime) -> Delivery:
    with env.db.transaction() as session:
        council = store_councils.get_council(session, council_id)
        daily = session.get(CouncilDaily, council_id)
        assert council is not None and daily is not None
        day = due_day(council, daily, now)
        if day is None:
            return Delivery("skipped", council.name, detail="not due")
        kind = f"daily-{daily.kind}"
        run = store_councils.claim_run(
            session, council, day.isoformat(), kind, now=now, lease=LEASE, holder=HOLDER
        )
        if run is None:
            return Delivery("skipped", council.name, detail=f"{day} is posted or held")
        name, workspace_id, run_id, payload = (
            council.name,
            council.workspace_id,
            run.id,
            run.payload,
        )
        outlet = outlet_for(workspace_id)
        resumed = bool(payload.get("messages"))
        if not resumed:
            payload = outlet.daily_payload(build_daily(session, council, now))
            store_councils.set_payload(session, run_id, payload, now)
        posted = store_councils.posted_messages(session, run_id)

    def record(position: int, ts: str) -> None:
        with env.db.transaction() as session:
            store_councils.record_message(session, run_id, position, payload["channel"], ts, now)

    try:
        count = outlet.post_digest(payload, posted, record, run_id=run_id, resumed=resumed)
    except Unreachable as error:
        with env.db.transaction() as session:
            store_councils.finish_run(session, run_id, "failed", env.now(), error.error)
        return Delivery("failed", name, run_id, detail=error.error)
    except Exception as error:
        with env.db.transaction() as session:
            store_councils.finish_run(session, run_id, "failed", env.now(), repr(error)[:500])
        raise
    with env.db.transaction() as session:
        store_councils.finish_run(session, run_id, "posted", env.now())
    return Delivery("posted", name, run_id, count)
