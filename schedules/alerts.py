"""The clock's deal-alert job: read new deal versions past each workspace's watermark into
alerts, then post (or edit in place) the alerts that are due, each once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from commands.alert_watch import AlertMessage, find_events, messages_due
from commands.context import Env
from commands.unit import run_job
from schedules.outlet import OutletFor, Undelivered
from store import alerts as store_alerts
from store import workspaces
from store.models import Alert

log = logging.getLogger("council.alerts")
LEASE = timedelta(minutes=5)


def run_alerts(env: Env, outlet_for: OutletFor) -> int:
    """Find and deliver every workspace's alerts; how many messages were posted or edited."""
    try:
        horizon = run_job(env, lambda session, _now: store_alerts.horizon(session))
        ids = run_job(
            env, lambda session, _now: workspaces.workspace_ids(session, active_only=True)
        )
    except Exception as error:
        # A long import holding the versions' lock, or the store down: the next round reads.
        log.warning("deal alerts skipped this round: %r", error)
        return 0
    sent = 0
    for workspace_id in ids:
        try:
            run_job(env, lambda s, now, w=workspace_id: _find(s, w, horizon, now))
            sent += deliver(env, outlet_for, workspace_id)
        except Exception as error:
            # One workspace's trouble stops no other's; its watermark did not move.
            log.error("alerts of %s failed: %r", workspace_id, error)
    return sent


def _find(session: Session, workspace_id: str, horizon: int, now: datetime) -> int:
    workspace = workspaces.get_workspace(session, workspace_id)
    assert workspace is not None
    return find_events(session, workspace, horizon, now)


def deliver(env: Env, outlet_for: OutletFor, workspace_id: str) -> int:
    """Post the workspace's due alerts, holding its delivery lease so that of several
    clocks one posts; a holder that died lets go when its lease runs out."""

    def take(session: Session, now: datetime) -> list[AlertMessage] | None:
        if not store_alerts.take_delivery(session, workspace_id, now, now + LEASE):
            return None
        workspace = workspaces.get_workspace(session, workspace_id)
        assert workspace is not None
        return messages_due(session, workspace, now)

    messages = run_job(env, take)
    if messages is None:
        return 0
    sent = 0
    try:
        outlet = outlet_for(workspace_id) if messages else None
        for message in messages:
            if outlet is None:
                break
            if message.ts is None:
                run_job(env, lambda s, _n, m=message: _attempting(s, m))
            try:
                ts = outlet.send_alert(message)
            except Undelivered as error:
                log.warning("alert %s not delivered: %s", message.key, error.reason)
                continue
            run_job(
                env,
                lambda s, _n, m=message, t=ts: store_alerts.mark(s, m.alert_ids, t, m.revisions),
            )
            sent += 1
    finally:
        run_job(env, lambda s, _n: store_alerts.release_delivery(s, workspace_id))
    return sent


def _attempting(session: Session, message: AlertMessage) -> None:
    """Mark a first post as tried, so that if its answer is lost the next try looks first."""
    for alert_id in message.alert_ids:
        alert = session.get(Alert, alert_id)
        if alert is not None and alert.ts is None:
            alert.ts = ""
