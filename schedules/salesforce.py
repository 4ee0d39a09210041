"""The Salesforce sync as a job: claimed per workspace (so several clocks sync once), the
outbox delivered first (so the pull that follows sees what was written), then the pull.
It reaches Salesforce through the `Org` it is handed and Slack through the `Outlet`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from commands.context import Env
from commands.salesforce.org import Org
from commands.salesforce.outbox import Delivery, deliver
from commands.salesforce.results import WriteBackNotice
from commands.salesforce.sync import SyncReport, claim, pull, release
from schedules.outlet import Outlet, OutletFor, Undelivered
from store import salesforce as store_sf

log = logging.getLogger("council.salesforce")
OrgFor = Callable[[str], Org | None]
"""A workspace's org, or None when it has connected none."""


@dataclass(frozen=True)
class SyncRun:
    delivery: Delivery
    pulled: SyncReport


def sync_workspace(
    env: Env,
    workspace_id: str,
    org: Org,
    outlet: Outlet | None,
    *,
    full: bool = False,
    every: timedelta | None = None,
) -> SyncRun | None:
    """One sync of the workspace; None when another process holds it (or, with `every`,
    synced less than that long ago)."""
    if not claim(env, workspace_id, every=every):
        return None
    report = SyncReport(workspace_id)
    delivery = Delivery()
    try:
        delivery = deliver(env, workspace_id, org, _teller(outlet))
        report = pull(env, workspace_id, org, _finder(outlet), full=full)
        report.stopped = report.stopped or delivery.stopped
    except Exception as error:
        report.stopped = f"failed: {type(error).__name__}"
        raise
    finally:
        release(env, workspace_id, report, org.usage())
    return SyncRun(delivery, report)


def _teller(outlet: Outlet | None) -> Callable[[WriteBackNotice], None] | None:
    if outlet is None:
        return None

    def tell(notice: WriteBackNotice) -> None:
        try:
            outlet.send_write_back(notice)
        except Undelivered as why:
            log.warning("write-back notice %s not sent: %s", notice.outbox_id, why.reason)

    return tell


def _finder(outlet: Outlet | None) -> Callable[[str], str | None] | None:
    if outlet is None:
        return None

    def find(email: str) -> str | None:
        try:
            return outlet.user_by_email(email)
        except Exception:  # Slack down: the user is matched at a later sync
            log.warning("users.lookupByEmail failed", exc_info=True)
            return None

    return find


def sync_all(env: Env, org_for: OrgFor, outlet_for: OutletFor, every: timedelta) -> None:
    """The clock's job: every connected workspace not synced in the last `every`."""
    with env.db.transaction() as session:
        connected = store_sf.connected_workspaces(session)
    for workspace_id in connected:
        try:
            # Opening the stored secret may fail (COUNCIL_SECRET_KEY missing or rotated
            # away): that workspace waits, the others sync.
            org = org_for(workspace_id)
            if org is None:
                continue
            run = sync_workspace(env, workspace_id, org, outlet_for(workspace_id), every=every)
        except Exception:
            log.exception("salesforce sync of %s failed", workspace_id)
            continue
        if run is not None:
            log.info(
                "salesforce %s: %s deals read, %s written back, stopped: %s",
                workspace_id,
                run.pulled.deals.rows,
                run.delivery.sent,
                run.pulled.stopped,
            )
