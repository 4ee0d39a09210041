"""The lead hand-off's notices: new MQLs to their owners, leads missing a required field
back to marketing, reminders before the follow-up time runs out, a breach to the manager."""

from __future__ import annotations

import logging

from commands.context import Env
from commands.sla.handoff import LeadNotice, notice_not_sent, notices_due
from schedules.outlet import OutletFor, Undelivered

log = logging.getLogger("council.handoffs")


def send_lead_notices(
    env: Env, outlet_for: OutletFor, workspace: str | None = None
) -> list[LeadNotice]:
    """Send every notice due now; each is claimed, so it goes out once whatever the number
    of clocks, and one Slack refused is tried again next round."""
    sent = []
    for notice in notices_due(env, workspace):
        try:
            outlet_for(notice.workspace_id).send_lead_notice(notice)
            sent.append(notice)
        except Undelivered as error:
            log.warning("lead %s %s not sent: %s", notice.lead.id, notice.kind, error.reason)
            notice_not_sent(env, notice)
        except Exception:
            log.exception("lead %s %s not sent", notice.lead.id, notice.kind)
            notice_not_sent(env, notice)
    return sent
