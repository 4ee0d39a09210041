"""`council clock`: APScheduler runs each council's digest at its local day and time.

Every five minutes it sends the reminders and weekly nudges that are due. Every minute the
clock reads the councils from the store, so a council created, edited,
paused or deleted takes effect without a restart, and it delivers anything due that has not
been posted (a digest whose time passed while the clock was down goes out the same day).
The claims in the store make extra clocks, retries and restarts harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from commands.context import Env
from commands.councils.meeting import DAYS
from schedules.alerts import run_alerts
from schedules.dailies import post_dailies
from schedules.digests import deliver_due, deliver_safely
from schedules.handoffs import send_lead_notices
from schedules.nudges import send_nudges
from schedules.outlet import OutletFor
from schedules.reminders import send_reminders
from schedules.salesforce import OrgFor, sync_all
from store import councils as store_councils
from store import workspaces

log = logging.getLogger("council.clock")
# A digest may start late (a busy process, a slow Slack) but never on another day.
MISFIRE_GRACE = 6 * 3600
# Reminders and nudges go out from a local hour, so a few minutes late is on time.
FOLLOW_UP_MINUTES = 5
# Deal alerts "at once" go out within this many minutes of the change.
ALERT_MINUTES = 1


def sync(scheduler: BaseScheduler, env: Env, outlet_for: OutletFor) -> None:
    """Make the scheduler's jobs match the store's councils, then catch up."""
    with env.db.transaction() as session:
        installed = set(workspaces.workspace_ids(session, active_only=True))
        active = [
            c
            for c in store_councils.councils(session)
            if not c.paused and c.workspace_id in installed
        ]
        wanted = {
            f"council-{c.id}": (
                c.id,
                CronTrigger(
                    day_of_week=DAYS[c.weekday][:3],
                    hour=int(c.at_time[:2]),
                    minute=int(c.at_time[3:]),
                    timezone=c.timezone,
                ),
            )
            for c in active
        }
    for job in scheduler.get_jobs():
        if job.id.startswith("council-") and job.id not in wanted:
            scheduler.remove_job(job.id)
    for job_id, (council_id, trigger) in wanted.items():
        job = scheduler.get_job(job_id)
        if job is None or str(job.trigger) != str(trigger):
            scheduler.add_job(
                deliver_safely,
                trigger,
                args=[env, outlet_for, council_id],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=MISFIRE_GRACE,
                coalesce=True,
                max_instances=1,
            )
    for delivery in deliver_due(env, outlet_for):
        log.info("digest %s: %s %s", delivery.council, delivery.status, delivery.detail)


def follow_up(env: Env, outlet_for: OutletFor) -> None:
    """Owners' reminders and the weekly nudges that are due; claims keep each to once."""
    for reminder in send_reminders(env, outlet_for):
        log.info("reminded %s of action %s", reminder.action.owner, reminder.action.id)
    for nudge in send_nudges(env, outlet_for):
        log.info("sent the %s nudge to %s", nudge.kind, nudge.user_id)


def alert_round(env: Env, outlet_for: OutletFor) -> None:
    """Deal alerts: new deal versions read past the watermark, due alerts posted once."""
    sent = run_alerts(env, outlet_for)
    if sent:
        log.info("posted or edited %s deal alerts", sent)


def hand_off(env: Env, outlet_for: OutletFor) -> None:
    """The lead hand-off's notices (a follow-up clock counts in hours, so every minute),
    and councils' daily posts."""
    for notice in send_lead_notices(env, outlet_for):
        log.info("lead %s: %s sent", notice.lead.id, notice.kind)
    for delivery in post_dailies(env, outlet_for):
        if delivery.status != "skipped":
            log.info("daily post of %s: %s %s", delivery.council, delivery.status, delivery.detail)


def build(
    env: Env,
    outlet_for: OutletFor,
    org_for: OrgFor | None = None,
    salesforce_minutes: int = 5,
) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        follow_up,
        IntervalTrigger(minutes=FOLLOW_UP_MINUTES),
        args=[env, outlet_for],
        id="follow-up",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=FOLLOW_UP_MINUTES * 60,
    )
    scheduler.add_job(
        alert_round,
        IntervalTrigger(minutes=ALERT_MINUTES),
        args=[env, outlet_for],
        id="alerts",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=ALERT_MINUTES * 60,
    )
    scheduler.add_job(
        hand_off,
        IntervalTrigger(minutes=1),
        args=[env, outlet_for],
        id="hand-off",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=60,
    )
    scheduler.add_job(
        sync,
        IntervalTrigger(minutes=1),
        args=[scheduler, env, outlet_for],
        id="sync",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=60,
    )
    if org_for is not None:
        # Each connected org every few minutes; the claim keeps it to one clock's run.
        every = timedelta(minutes=salesforce_minutes)
        scheduler.add_job(
            sync_all,
            IntervalTrigger(minutes=salesforce_minutes),
            args=[env, org_for, outlet_for, every],
            id="salesforce",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=salesforce_minutes * 60,
        )
    return scheduler


def run(
    env: Env,
    outlet_for: OutletFor,
    org_for: OrgFor | None = None,
    salesforce_minutes: int = 5,
) -> None:
    scheduler = build(env, outlet_for, org_for, salesforce_minutes)
    try:
        sync(scheduler, env, outlet_for)
    except Exception:
        # The store may be down at start-up: the every-minute sync tries again, so the
        # clock starts anyway rather than leaving every workspace without its digests.
        log.exception("the first sync failed; retrying every minute")
    scheduler.start()
