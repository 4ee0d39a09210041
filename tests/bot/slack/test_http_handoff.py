"""The lead hand-off through Slack's signed HTTP endpoint: an MQL handed off and accepted,
one rejected with a reason (marketing hears), one returned for a missing field, one
breached (the manager hears once); double clicks, replays and extra clock rounds with one
effect."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import func, select

from commands.context import Actor, Env
from commands.sla import command as sla
from commands.sla.imports import import_leads
from schedules.handoffs import send_lead_notices
from store.models import Lead, LeadChange, Person
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    FORM,
    JO,
    MAYA,
    User,
    block_actions,
    post,
    view_submission,
)

MARKETING = "C0MKTG001"
# Monday 2026-11-23 15:00 UTC (the fake clock's start); everyone works in UTC.
LEADS = """Id,Name,Company,Email,LeadSource,Owner.Name,Status,CreatedDate,MQLDate
00QA,Ada Accept,Acme,ada@acme.test,Marketing,jo,MQL,2026-11-20T09:00:00Z,2026-11-23T14:59:00Z
00QB,Bo Blank,,bo@blank.test,Marketing,jo,MQL,2026-11-20T09:00:00Z,2026-11-23T14:59:00Z
00QC,Cy Reject,Crane,cy@crane.test,Marketing,jo,MQL,2026-11-20T09:00:00Z,2026-11-23T14:59:00Z
00QD,Di Late,Dune,di@dune.test,Marketing,jo,MQL,2026-11-20T09:00:00Z,2026-11-23T14:59:00Z
00QE,Ed Old,Echo,ed@echo.test,Marketing,jo,MQL,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z
"""


@pytest.fixture
def handed_off(env: Env, maya: Actor, jo: Actor, slack: FakeSlack, client_for, tmp_path: Path):
    """Maya (admin) manages Jo; the SLA wants a company and tells #marketing; five leads
    imported, four of them MQLs this morning (one without a company), one from January."""
    said = sla.run(env, maya, f"set marketing=<#{MARKETING}|marketing> required=company")
    assert "SLA updated" in str(said) or said.__class__.__name__ == "SlaShown"
    sla.run(env, jo, "settings")  # Jo has used the bot
    with env.db.transaction() as session:
        people = {p.display_name: p for p in session.scalars(select(Person))}
        people["jo"].manager_id = people["maya"].id
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    report = import_leads(env, maya, path)
    assert (report.created, report.bad) == (5, [])
    sent = send_lead_notices(env, client_for)
    assert sorted((n.kind, n.lead.name) for n in sent) == [
        ("handoff", "Ada Accept"),
        ("handoff", "Cy Reject"),
        ("handoff", "Di Late"),
        ("returned", "Bo Blank"),
    ]
    assert send_lead_notices(env, client_for) == []  # a second clock, or round: nothing
    dms = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == JO.id]
    return {c.params["text"].split(": ")[1].split(".")[0]: c.blocks() for c in dms}


def press(
    app: RunningApp, slack: FakeSlack, blocks: list, label: str, trigger: str, user: User = JO
) -> None:
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    button = next(b for b in buttons if b["text"]["text"] == label)
    body = block_actions(button, slack.response_url(trigger), user)
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["trigger_id"] = trigger
    payload["container"] = {**payload["container"], "channel_id": JO.id, "is_ephemeral": False}
    post(app.events_url, urlencode({"payload": json.dumps(payload)}), content_type=FORM)


def changes(env: Env, external_id: str, status: str) -> int:
    with env.db.transaction() as session:
        query = (
            select(func.count())
            .select_from(LeadChange)
            .join(Lead, Lead.id == LeadChange.lead_id)
            .where(Lead.external_id == external_id, LeadChange.new_status == status)
        )
        return session.scalar(query) or 0


def test_each_mql_goes_to_its_owner_and_a_lead_missing_a_field_back_to_marketing(
    handed_off, slack: FakeSlack
):
    assert set(handed_off) == {"Ada Accept", "Cy Reject", "Di Late"}
    facts = json.dumps(handed_off["Ada Accept"])
    assert "Acme" in facts and "Accept" in facts and "Reject" in facts
    # Monday 14:59-17:00, Tuesday and Wednesday 8 h each, Thursday 09:00-14:59: 24 h.
    assert "Mon 2026-11-23 14:59" in facts and "by Thu 2026-11-26 14:59" in facts
    (returned,) = slack.messages_in(MARKETING)
    assert returned["text"].startswith("Returned to marketing, not handed off: Bo Blank has no")
    assert "company" in returned["text"]


def test_accept_double_clicked_and_replayed_has_one_effect(
    env: Env, http_app: RunningApp, slack: FakeSlack, handed_off
):
    message = handed_off["Ada Accept"]
    press(http_app, slack, message, "Accept", "1.1.accept")
    first = slack.wait_for("response_url")[0]
    assert "Accepted Ada Accept" in first.params["text"]
    press(http_app, slack, message, "Accept", "1.2.accept")  # the double click
    press(http_app, slack, message, "Accept", "1.1.accept")  # Slack's retry of the first
    replies = slack.wait_for("response_url", 3)
    texts = sorted(r.params["text"] for r in replies)
    assert sum("already accepted" in t for t in texts) == 1
    assert sum("Already done" in t for t in texts) == 1
    assert changes(env, "00QA", "accepted") == 1


def test_reject_asks_why_and_tells_marketing_once(
    env: Env, http_app: RunningApp, slack: FakeSlack, handed_off
):
    press(http_app, slack, handed_off["Cy Reject"], "Reject", "2.1.reject")
    view = slack.wait_for("views.open")[0].view()
    options = view["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options][:2] == ["Not a fit", "No budget"]
    answers = {"reason": "No budget", "detail": "Student project, <!channel> no money"}
    submission = view_submission(view, answers, user=JO, view_id="V0REJECT01")
    # The hand-off's own DMs are posts too: wait for the one after them.
    posted = len(slack.calls_to("chat.postMessage"))
    assert post(http_app.events_url, submission, content_type=FORM).body == ""
    slack.wait_for("chat.postMessage", posted + 1)
    post(http_app.events_url, submission, content_type=FORM)  # resubmitted
    told = [m for m in slack.messages_in(MARKETING) if m["text"].startswith("Lead rejected")]
    assert len(told) == 1
    assert (
        "Lead rejected by jo: Cy Reject: *No budget* (Student project, &lt;!channel&gt;"
        in (told[0]["text"])
    )
    assert changes(env, "00QC", "rejected") == 1
    with env.db.transaction() as session:
        lead = session.scalar(select(Lead).where(Lead.external_id == "00QC"))
        assert lead is not None and lead.rejection_reason == "No budget"


def test_a_reason_not_on_the_list_is_refused_under_its_field(
    env: Env, http_app: RunningApp, slack: FakeSlack, handed_off
):
    press(http_app, slack, handed_off["Cy Reject"], "Reject", "3.1.reject")
    view = slack.wait_for("views.open")[0].view()
    view["blocks"][1]["element"]["options"].append(
        {"text": {"type": "plain_text", "text": "Bored"}, "value": "Bored"}
    )
    submission = view_submission(view, {"reason": "Bored"}, user=JO)
    answer = json.loads(post(http_app.events_url, submission, content_type=FORM).body)
    assert answer["response_action"] == "errors" and "Choose one of" in answer["errors"]["reason"]
    assert changes(env, "00QC", "rejected") == 0


def test_a_reminder_before_the_time_runs_out_then_the_manager_hears_of_the_breach_once(
    env: Env, clock: FakeClock, slack: FakeSlack, client_for, handed_off, http_app: RunningApp
):
    press(http_app, slack, handed_off["Ada Accept"], "Accept", "4.1.accept")
    slack.wait_for("response_url")
    # MQL Monday 14:59: 24 business hours run out Thursday 14:59. Wednesday 16:00 leaves
    # 1 h + 5 h 59 min; Thursday 11:00 leaves 3 h 59 min: the reminder (4 h or less), for
    # the two leads still waiting.
    clock.current = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert send_lead_notices(env, client_for) == []
    clock.current = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    sent = send_lead_notices(env, client_for)
    assert sorted((n.kind, n.lead.name) for n in sent) == [
        ("reminder", "Cy Reject"),
        ("reminder", "Di Late"),
    ]
    assert send_lead_notices(env, client_for) == []
    clock.current = datetime(2026, 11, 26, 14, 59, tzinfo=UTC)
    sent = send_lead_notices(env, client_for)
    assert sorted((n.kind, n.channel) for n in sent) == [
        ("breach", MAYA.id),
        ("breach", MAYA.id),
    ]
    clock.advance(hours=30)
    assert send_lead_notices(env, client_for) == []
    told = slack.messages_in(MAYA.id)
    assert len(told) == 2 and all(m["text"].startswith("SLA breached: <@U0JO00001>") for m in told)
    # Ed's MQL is from January: history, never handed off or breached now.
    assert not any("Ed Old" in m["text"] for m in slack.messages_in(JO.id) + told)


def test_another_rep_may_not_accept_someone_elses_lead(
    env: Env, http_app: RunningApp, slack: FakeSlack, handed_off
):
    sam = User("U0SAM0001", "sam")
    press(http_app, slack, handed_off["Ada Accept"], "Accept", "5.1.accept", sam)
    (reply,) = slack.wait_for("response_url")
    assert "This lead is jo's to accept or reject" in reply.params["text"]
    assert changes(env, "00QA", "accepted") == 0
