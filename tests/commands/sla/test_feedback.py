"""Sales' feedback on rejected leads: a rejection without a reason (an import, Salesforce)
asks its owner for one, reminds them a working day before the window runs out, and tells
marketing and the manager once when it has; `/sla` counts the reasons given in time.

Workspace in UTC, SLA defaults: 09:00-17:00 Monday to Friday, feedback within 5 business
days = 40 business hours from the rejection. The clock starts Monday 2026-11-23 15:00.

| lead | MQL | rejected | window runs out (by hand) | reason |
| F1 | Fri 11-20 10:00 | Fri 11-20 16:00 | Fri 1 + Mon-Thu 32 + Fri 7 h: Fri 11-27 16:00 | late |
| F2 | Mon 11-23 08:00 | Mon 11-23 09:00 | Mon-Fri 5 x 8 h: Fri 11-27 17:00 | in time |
| F3 | Mon 11-16 10:00 | Tue 11-17 10:00 | Tue 11-24 10:00 | in the export |
| F4 | Wed 11-18 09:00 | Wed 11-18 12:00 | Wed 5 + 4 x 8 + Wed 3 h: Wed 11-25 12:00 | never |
| F5 | Mon 11-02 09:00 | Mon 11-02 10:00 | Mon 11-09 10:00, before the bot saw it | never |

F1's reason comes Monday 11-30 10:00, F2's Tuesday 11-24 10:00.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.render import render
from bot.render.blocks import Message
from bot.render.sla import lead_notice_message
from commands.context import Actor, Env, Submitted
from commands.fiscal import Period
from commands.results import Notice
from commands.sla import command as sla
from commands.sla.figures import sla_report
from commands.sla.handoff import LEAD_REJECT, LeadDecided, notice_not_sent, notices_due
from commands.sla.handoff import submit_reject as give_reason
from commands.sla.imports import import_leads
from commands.sla.settings import sla_of
from store.models import Lead, Person
from tests.support.clock import FakeClock

MARKETING = "C0MKTG001"
LEADS = """Id,Name,Company,LeadSource,Owner.Name,Status,CreatedDate,MQLDate,RejectedDate,\
RejectionReason
F1,Fay One,Acme,Marketing,jo,Rejected,2026-11-01T08:00:00Z,2026-11-20T10:00:00Z,\
2026-11-20T16:00:00Z,
F2,Fay Two,Bolt,Marketing,jo,Rejected,2026-11-01T08:00:00Z,2026-11-23T08:00:00Z,\
2026-11-23T09:00:00Z,
F3,Fay Three,Crane,Marketing,jo,Rejected,2026-11-01T08:00:00Z,2026-11-16T10:00:00Z,\
2026-11-17T10:00:00Z,No budget
F4,Fay Four,Dune,Marketing,jo,Rejected,2026-11-01T08:00:00Z,2026-11-18T09:00:00Z,\
2026-11-18T12:00:00Z,
F5,Fay Five,Echo,Marketing,jo,Rejected,2026-11-01T08:00:00Z,2026-11-02T09:00:00Z,\
2026-11-02T10:00:00Z,
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def rejected(env: Env, maya: Actor, jo: Actor, tmp_path: Path) -> dict[str, int]:
    """Maya (admin) manages Jo; five leads Jo rejected, imported; their ids by name."""
    sla.run(env, maya, f"set marketing=<#{MARKETING}|marketing>")
    sla.run(env, jo, "settings")  # Jo has used the bot
    with env.db.transaction() as session:
        people = {p.display_name: p for p in session.scalars(select(Person))}
        people["jo"].manager_id = people["maya"].id
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    report = import_leads(env, maya, path)
    assert (report.created, report.bad) == (5, [])
    with env.db.transaction() as session:
        return {lead.external_id or "": lead.id for lead in session.scalars(select(Lead))}


def sent(env: Env) -> list[tuple[str, str, str]]:
    return sorted((n.lead.external_id or "", n.kind, n.channel) for n in notices_due(env))


def reason(env: Env, jo: Actor, lead_id: int, key: str) -> object:
    form = Submitted({"reason": "Not a fit", "detail": "reseller"}, {"lead": lead_id}, key)
    return give_reason(env, jo, form)


def feedback(env: Env, at: str) -> tuple[int, int]:
    with env.db.transaction() as session:
        lead = session.scalar(select(Lead))
        assert lead is not None
        report = sla_report(
            session,
            lead.workspace_id,
            ZoneInfo("UTC"),
            "$",
            Period(utc("2026-10-01").date(), utc("2027-01-01").date(), "2026-Q4"),
            utc(at),
            sla_of(session, lead.workspace_id),
        )
    return report.total.feedback_in_time, report.total.feedback_counted


def test_the_feedback_window_asks_reminds_and_tells_once(
    env: Env, clock: FakeClock, maya: Actor, jo: Actor, rejected: dict[str, int]
):
    jo_id, maya_id = "U0JO00001", "U0MAYA001"
    # Monday 15:00: F1, F2 and F4 wait for a reason; F3 has one; F5's window ran out before
    # the bot saw it (history: no one is asked or told).
    first = notices_due(env)
    assert sorted((n.lead.external_id, n.kind, n.channel) for n in first) == [
        ("F1", "feedback", jo_id),
        ("F2", "feedback", jo_id),
        ("F4", "feedback", jo_id),
    ]
    asked = next(n for n in first if n.lead.external_id == "F1")
    shown = lead_notice_message(asked)
    assert "tell marketing why by Fri 2026-11-27 16:00 UTC" in shown.text  # across a weekend
    assert any(e["action_id"] == LEAD_REJECT for b in shown.blocks for e in b.get("elements", []))
    assert sent(env) == []  # a second clock, or the next round: nothing again

    clock.current = utc("2026-11-24T10:00")
    given = reason(env, jo, rejected["F2"], "k-f2")
    assert isinstance(given, LeadDecided) and given.marketing_channel == MARKETING
    assert given.lead.reason == "Not a fit"
    assert isinstance(reason(env, jo, rejected["F2"], "k-f2-again"), Notice)  # given: once
    assert sent(env) == []
    assert feedback(env, "2026-11-24T12:00") == (2, 3)  # F2, F3 in time; F5 never

    clock.current = utc("2026-11-25T09:30")  # F4 has 2.5 business hours left
    assert sent(env) == [("F4", "feedback_reminder", jo_id)]
    clock.current = utc("2026-11-25T12:00")  # F4's window has run out
    late = notices_due(env)
    assert sorted((n.kind, n.channel) for n in late) == [
        ("feedback_late", MARKETING),
        ("feedback_late_manager", maya_id),
    ]
    # Slack refused marketing's: given back, sent once more (looking first), the manager's not.
    notice_not_sent(env, next(n for n in late if n.kind == "feedback_late"))
    again = notices_due(env)
    assert [(n.kind, n.again) for n in again] == [("feedback_late", True)]
    assert sent(env) == []

    clock.current = utc("2026-11-26T16:00")  # F1: 8 business hours left, a working day
    assert sent(env) == [("F1", "feedback_reminder", jo_id)]
    clock.current = utc("2026-11-27T16:00")
    assert sent(env) == [
        ("F1", "feedback_late", MARKETING),
        ("F1", "feedback_late_manager", maya_id),
    ]
    clock.current = utc("2026-11-30T10:00")
    assert isinstance(reason(env, jo, rejected["F1"], "k-f1"), LeadDecided)  # late, but given
    assert sent(env) == []
    # By hand: F2 and F3 within the window; F1 late, F4 and F5 never: 2 of 5.
    assert feedback(env, "2026-11-30T12:00") == (2, 5)
    message = render(sla.run(env, maya, "2026-Q4"))
    assert isinstance(message, Message)
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "Feedback on rejections:* 2 of 5 within the 5 business-day window" in text
