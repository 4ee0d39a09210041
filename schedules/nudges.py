"""Sending the weekly DMs: forecast questions, clean your room, and managers' team totals."""

from __future__ import annotations

import logging

from commands.context import Env
from commands.nudges import Nudge, finish, nudges_due
from schedules.outlet import OutletFor, Undelivered

log = logging.getLogger("council.nudges")


def send_nudges(env: Env, outlet_for: OutletFor, workspace: str | None = None) -> list[Nudge]:
    """DM everyone (of every workspace, or of one) whose weekly nudges are due; each kind
    goes out once a week. A nudge the chat refused is marked failed, and the next round
    sends it again."""
    sent = []
    for nudge in nudges_due(env, env.now(), workspace):
        try:
            outlet_for(nudge.workspace_id).send_nudge(nudge)
        except Undelivered as error:
            log.warning("%s nudge to %s not sent: %s", nudge.kind, nudge.user_id, error.reason)
            finish(env, nudge, error.reason)
            continue
        except Exception as error:
            log.exception("%s nudge to %s failed", nudge.kind, nudge.user_id)
            finish(env, nudge, repr(error)[:500])
            continue
        finish(env, nudge)
        sent.append(nudge)
    return sent
