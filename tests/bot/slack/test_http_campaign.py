"""/campaign through the real signed HTTP endpoint: an admin sets campaigns up, a rep
moves a member to a status (and is told which statuses exist when one does not), and the
campaign shows its members by status, its figures and its hierarchy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from commands.context import Env
from store import campaigns as store_campaigns
from store import deals as store_deals
from store.campaigns import NewMember
from store.models import Campaign, Person
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import JO, MAYA, User, post, slash_command


def ask(app: RunningApp, slack: FakeSlack, text: str, user: User = MAYA) -> str:
    seen = len(slack.calls_to("response_url"))
    post(
        app.events_url,
        slash_command("/campaign", text, slack.response_url(), user=user),
        content_type="application/x-www-form-urlencoded",
    )
    reply = slack.wait_for("response_url", seen + 1)[-1]
    assert reply.params["response_type"] == "ephemeral"
    return "\n".join(
        block["text"]["text"] if "text" in block else block["elements"][0]["text"]
        for block in reply.blocks()
    )


def members_and_a_deal(env: Env) -> None:
    """Two leads in the summit (both Sent, on 11-02), and a deal it sourced."""
    with env.db.transaction() as session:
        summit = session.query(Campaign).filter_by(name="Summit 2026").one()
        webinars = session.query(Campaign).filter_by(name="Summit webinars").one()
        joined = datetime(2026, 11, 2, 9, tzinfo=UTC)
        store_campaigns.insert_members(
            session,
            summit.workspace_id,
            [
                NewMember(None, summit.id, lead, None, "Sent", None, joined, joined.date())
                for lead in ("00Q0000001", "00Q0000002")
            ],
        )
        owner = session.scalars(select(Person.id).where(Person.slack_user_id == MAYA.id)).one()
        state = {
            "name": "Acme platform",
            "account": "Acme",
            "owner_id": owner,
            "product": None,
            "region": None,
            "segment": None,
            "source": "Marketing",
            "stage": "Decision",
            "status": "open",
            "amount": Decimal("120000"),
            "close_date": date(2026, 12, 15),
            "created_date": date(2026, 11, 10),
            "next_step": None,
            "forecast_category": "Commit",
            "campaign_id": webinars.id,
        }
        store_deals.create_deal(
            session, summit.workspace_id, state, by=owner, source="test", at=joined
        )


def test_campaigns_set_up_changed_and_shown_in_slack(
    http_app: RunningApp, slack: FakeSlack, env: Env
):
    created = ask(http_app, slack, 'create "Summit 2026" type=Event cost=4k start=2026-11-01')
    assert "Created campaign Summit 2026, with statuses Sent (the default) and Responded" in created
    created = ask(
        http_app, slack, 'create "Summit webinars" type=Webinar parent="Summit 2026" cost=1k'
    )
    assert "Created campaign Summit webinars under Summit 2026" in created
    added = ask(http_app, slack, 'statuses "Summit 2026" add Attended responded')
    assert "Added the status Attended to Summit 2026 (responded)" in added
    # The only default cannot go: a campaign keeps exactly one.
    refused = ask(http_app, slack, 'statuses "Summit 2026" remove Sent')
    assert "would break a rule: it needs exactly one default status, not 0" in refused

    # Reps may not create campaigns, and are told who may.
    refused = ask(http_app, slack, "create Sneaky", user=JO)
    assert "Only admins can create campaigns" in refused and "maya" in refused

    members_and_a_deal(env)
    moved = ask(http_app, slack, 'member "Summit 2026" 00Q0000001 attended', user=JO)
    assert "00Q0000001 in Summit 2026: Sent → Attended (responded)." in moved
    wrong = ask(http_app, slack, 'member "Summit 2026" 00Q0000002 Registered', user=JO)
    assert (
        "Summit 2026 has no status `Registered`; its statuses are Sent, Responded, Attended."
        in wrong
    )

    shown = ask(http_app, slack, "show Summit 2026")
    assert "*Summit 2026* (all time, as of 2026-11-23 15:00 UTC)" in shown
    assert "Event · Planned · 2026-11-01 to … · actual cost $4,000" in shown
    assert "*Members by status* (2 in all)" in shown
    assert "• Sent: 1 _(default)_" in shown and "• Attended: 1 _(responded)_" in shown
    assert "• Responded: 0 _(responded)_" in shown
    # 1 of 2 responded; no deal of its own, so no cost per opportunity; ROI (0 - 4000) / 4000.
    assert "*Response rate* 50.0% (1 of 2)" in shown
    assert "*Cost per opportunity* n/a · *ROI* -100%" in shown
    # The webinar sourced a $120k deal: rolled up, 1 opportunity for $5,000 of cost.
    assert (
        "*With its children* 2 members, 1 responded (50.0%) · 1 opp · $120k pipeline · "
        "$0 won · $5,000 per opp · ROI -100%" in shown
    )
    assert "• *Summit webinars*: 0 members, 0 responded (n/a) · 1 opp" in shown

    listed = ask(http_app, slack, "")
    assert "*Campaigns* (all time, as of 2026-11-23 15:00 UTC)" in listed
    assert listed.index("*Summit 2026*") < listed.index("    • *Summit webinars*")

    unknown = ask(http_app, slack, "show Sumit")
    assert "No campaign is named `Sumit`." in unknown
