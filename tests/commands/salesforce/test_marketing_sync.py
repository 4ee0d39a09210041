"""Campaigns and leads through the Salesforce sync: a first sync (a campaign tree with its
statuses and members, leads with their hand-off moments, deals with their campaign), the
figures of `council campaigns --json` and `council sla --json` after it checked against
SPEC section 9 by hand, an incremental sync after changes and deletions, a crash
mid-page resumed, and an org that will not let us read campaigns or leads; against the
fake org over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.run.cli import main
from commands.context import Env
from commands.parsing import ParseError
from commands.salesforce import admin
from commands.salesforce.org import Record
from commands.salesforce.sync import SyncReport, pull
from commands.sla.handoff import notices_due
from store.db import Database
from store.models import (
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    CampaignMemberVersion,
    Deal,
    Lead,
    LeadChange,
)
from tests.commands.salesforce.test_sync import KEY, SLACK, WS, client, connect
from tests.support.clock import FakeClock
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed


def at(fake: FakeSalesforce, moment: str) -> None:
    """Salesforce's clock to just before `moment` (UTC): its next change is stamped then."""
    fake.now = datetime.fromisoformat(moment).replace(tzinfo=UTC) - timedelta(seconds=1)


@dataclass
class Org:
    ids: dict[str, str]
    root: str
    child: str
    members: dict[str, str]
    leads: dict[str, str]
    dee_deal: str


def build(fake: FakeSalesforce) -> Org:
    """Summit 2026 (Event, cost 4,000) and its child Summit webinars (cost 1,000); four
    members; a deal for each; five leads through their hand-off in the week of 2 November
    2026 (a Monday), all owned by Maya, the workspace on UTC."""
    at(fake, "2026-10-01T08:00")
    ids = seed(fake)
    at(fake, "2026-10-01T09:00")
    root = fake.add_campaign(
        "Summit 2026",
        Type="Event",
        Status="In Progress",
        StartDate="2026-10-01",
        EndDate="2026-12-31",
        BudgetedCost=5000,
        ActualCost=4000,
        ExpectedRevenue=100000,
        ExpectedResponse=2.5,
        NumberSent=1000,
    )
    fake.add_campaign_status(root, "Invited", default=True)
    fake.add_campaign_status(root, "Attended", responded=True)
    child = fake.add_campaign("Summit webinars", Type="Webinar", ParentId=root, ActualCost=1000)
    at(fake, "2026-10-20T10:00")
    maya = ids["maya"]
    leads = {
        "ann": fake.add_lead(
            "Ann Lee", Company="Acme", Email="ann@acme.test", LeadSource="Web", OwnerId=maya
        ),
        "ben": fake.add_lead("Ben Ode", Company="Beta", LeadSource="Web", OwnerId=maya),
        "cid": fake.add_lead("Cid Roe", Company="Gamma", LeadSource="Event", OwnerId=maya),
        "dee": fake.add_lead("Dee Fox", Company="Delta", LeadSource="Event", OwnerId=maya),
        "eve": fake.add_lead("Eve Ray", Company="Eps", LeadSource="Web", OwnerId=maya),
    }
    at(fake, "2026-10-21T10:00")
    members = {
        "ann": fake.add_member(root, lead_id=leads["ann"]),  # Invited, the default
        "ben": fake.add_member(root, lead_id=leads["ben"], status="Attended"),
        "contact": fake.add_member(root, contact_id="003000000000001AAA", status="Responded"),
        "cid": fake.add_member(child, lead_id=leads["cid"]),  # Sent, the child's default
    }
    at(fake, "2026-10-22T10:00")
    ids["summit"] = fake.add_opportunity(
        Name="Summit deal",
        OwnerId=maya,
        StageName="Prospecting",
        Amount=1200,
        CloseDate="2026-12-10",
        CampaignId=root,
    )
    ids["webinar"] = fake.add_opportunity(
        Name="Webinar win",
        OwnerId=maya,
        StageName="Closed Won",
        Amount=800,
        CloseDate="2026-10-30",
        CampaignId=child,
    )
    # The hand-off, as the Lead Status changes record it in LeadHistory.
    at(fake, "2026-11-02T09:30")
    fake.edit_lead(leads["dee"], Status="MQL")
    at(fake, "2026-11-02T11:00")
    fake.edit_lead(leads["ann"], Status="MQL")
    at(fake, "2026-11-02T12:00")
    # Ben's moments are custom fields too (mapped), beside his Status.
    fake.edit_lead(leads["ben"], Status="MQL", MQL_Date__c="2026-11-02T12:00:00.000+0000")
    at(fake, "2026-11-02T14:00")
    fake.edit_lead(leads["ann"], Status="Working - Contacted")
    at(fake, "2026-11-03T12:00")
    fake.edit_lead(
        leads["ben"],
        Status="Closed - Not Converted",
        Rejected_Date__c="2026-11-03T12:00:00.000+0000",
        Rejection_Reason__c="No budget",
    )
    at(fake, "2026-11-03T16:00")
    fake.edit_lead(leads["cid"], Status="MQL")
    at(fake, "2026-11-04T09:30")
    fake.edit_lead(leads["dee"], Status="Working - Contacted")
    at(fake, "2026-11-04T10:00")
    dee_deal = fake.add_opportunity(
        Name="Delta from Dee",
        OwnerId=maya,
        StageName="Closed Won",
        Amount=5000,
        CloseDate="2026-11-04",
    )
    fake.convert_lead(leads["dee"], dee_deal)
    return Org(ids, root, child, members, leads, dee_deal)


def connect_all(env: Env, fake: FakeSalesforce) -> None:
    connect(env, fake)
    admin.set_map(
        env,
        WS,
        ["mql=MQL_Date__c", "rejected=Rejected_Date__c", "RejectionReason=Rejection_Reason__c"],
    )


@pytest.fixture
def cli(env: Env, database: Database, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    return env


def json_of(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def campaigns_at(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    found = json_of(capsys, "campaigns", "--json", *args)["campaigns"]
    return {c["name"]: c for c in found}


def leads(env: Env) -> dict[str, Lead]:
    with env.db.transaction() as session:
        found = session.scalars(select(Lead)).all()
        session.expunge_all()
        return {lead.name: lead for lead in found}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def first_sync(env: Env, clock: FakeClock, fake: FakeSalesforce) -> tuple[Org, SyncReport]:
    org = build(fake)
    connect_all(env, fake)
    clock.current = moment("2026-11-04T12:00")
    report = pull(env, WS, client(fake), SLACK.get)
    assert report.stopped is None and report.skipped == []
    return org, report


def test_a_first_sync_brings_campaigns_members_leads_and_deals_with_their_campaign(
    cli: Env, clock: FakeClock, salesforce: FakeSalesforce, capsys: pytest.CaptureFixture[str]
) -> None:
    org, report = first_sync(cli, clock, salesforce)
    assert (report.objects["Campaign"].created, report.objects["CampaignMember"].created) == (2, 4)
    assert report.objects["Lead"].created == 5
    with cli.db.transaction() as session:
        campaigns = {c.name: c for c in session.scalars(select(Campaign))}
        root, child = campaigns["Summit 2026"], campaigns["Summit webinars"]
        assert child.parent_id == root.id and root.external_id == org.root
        assert (root.type, root.actual_cost, root.number_sent) == ("Event", 4000, 1000)
        statuses = {
            (s.label, s.has_responded, s.is_default)
            for s in session.scalars(
                select(CampaignMemberStatus).where(CampaignMemberStatus.campaign_id == root.id)
            )
        }
        # Salesforce's Sent and Responded, then Invited (now the default) and Attended
        assert statuses == {
            ("Sent", False, False),
            ("Responded", True, False),
            ("Invited", False, True),
            ("Attended", True, False),
        }
        members = {m.external_id: m for m in session.scalars(select(CampaignMember))}
        assert members[org.members["ben"]].status == "Attended"
        assert members[org.members["contact"]].contact_id == "003000000000001AAA"
        deals = {d.external_id: d for d in session.scalars(select(Deal))}
        assert deals[org.ids["summit"]].campaign_id == root.id
        assert deals[org.ids["webinar"]].campaign_id == child.id
        dee_deal_id = deals[org.dee_deal].id
    found = leads(cli)
    ann, ben, cid, dee, eve = (
        found[n] for n in ("Ann Lee", "Ben Ode", "Cid Roe", "Dee Fox", "Eve Ray")
    )
    assert (ann.status, ann.mql_at, ann.accepted_at) == (
        "accepted",
        moment("2026-11-02T11:00"),
        moment("2026-11-02T14:00"),
    )
    assert (ben.status, ben.rejected_at, ben.rejection_reason) == (
        "rejected",
        moment("2026-11-03T12:00"),
        "No budget",
    )
    assert (cid.status, cid.mql_at) == ("MQL", moment("2026-11-03T16:00"))
    assert (dee.status, dee.converted_deal_id) == ("converted", dee_deal_id)
    assert (eve.status, eve.mql_at) == ("Open", None)
    assert ann.owner_id is not None and ann.source == "Web" and ann.email == "ann@acme.test"
    # A lead's campaign is the one it joined first (Lead has no campaign field of its own)
    assert (ann.campaign_external_id, cid.campaign_external_id) == (org.root, org.child)
    assert dee.campaign_external_id is None

    # SPEC 9, by hand, as of 9 November. Summit 2026 alone: members Ann (Invited), Ben
    # (Attended), the contact (Responded) = 3, responded 2, rate 2/3; one deal, open 1,200;
    # won 0; cost 4,000 per its one deal; ROI (0 - 4000) / 4000 = -1. Its child: Cid (Sent),
    # 1 member, none responded; the won 800; ROI (800 - 1000) / 1000 = -0.2. With the child:
    # 4 members, 2 responded (0.5), 2 deals, 1,200 open, 800 won, cost 5,000, 2,500 a deal,
    # ROI (800 - 5000) / 5000 = -0.84.
    got = campaigns_at(capsys, "--as-of", "2026-11-09")
    summit, webinars = got["Summit 2026"], got["Summit webinars"]
    assert summit["id"] == org.root and summit["parent"] is None
    assert (summit["members"], summit["responded"], summit["response_rate"]) == (3, 2, 0.6667)
    assert (summit["opportunities"], summit["pipeline"], summit["won"]) == (1, "1200.00", "0.00")
    assert (summit["cost_per_opportunity"], summit["roi"]) == ("4000.00", -1.0)
    assert (webinars["members"], webinars["responded"], webinars["response_rate"]) == (1, 0, 0.0)
    assert (webinars["won"], webinars["roi"]) == ("800.00", -0.2)
    rolled = summit["with_children"]
    assert (rolled["members"], rolled["responded"], rolled["response_rate"]) == (4, 2, 0.5)
    assert (rolled["opportunities"], rolled["pipeline"], rolled["won"]) == (2, "1200.00", "800.00")
    assert (rolled["actual_cost"], rolled["cost_per_opportunity"]) == ("5000.00", "2500.00")
    assert rolled["roi"] == -0.84

    # The SLA, as of Monday 9 November noon, business hours 09:00-17:00 on weekdays (UTC).
    # MQLs: Dee (Mon 09:30), Ann (Mon 11:00), Ben (Mon 12:00), Cid (Tue 16:00) = 4.
    # Follow-up: Ann 11:00 -> 14:00 = 3h; Ben Mon 12:00 -> Tue 12:00 = 5 + 3 = 8h; Dee
    # Mon 09:30 -> Wed 09:30 = 7.5 + 8 + 0.5 = 16h. Median 8, p90 (nearest rank 3 of 3) 16.
    # Cid's 24 business hours ran out Fri 16:00 (1 + 8 + 8 + 7): breached, so within the
    # SLA 3 of 4. Accepted Ann and Dee, rejected Ben: 2 / 3. Conversion: 2 accepted of 4
    # MQLs, 1 converted (Dee) of 2 accepted, won 1 of 1.
    sla = json_of(
        capsys, "sla", "--json", "--period", "2026-Q4", "--as-of", "2026-11-09T12:00:00+00:00"
    )
    assert (sla["mqls"], sla["accepted"], sla["rejected"]) == (4, 2, 1)
    assert sla["acceptance_rate"] == 0.6667
    assert (sla["median_hours"], sla["p90_hours"]) == (8.0, 16.0)
    assert (sla["within_sla"], sla["breached"]) == (0.75, 1)
    assert sla["conversion"] == {"accepted": 0.5, "converted": 0.5, "won": 1.0}
    assert sla["rejections"] == {"No budget": 1}


def test_an_mql_from_the_sync_is_handed_off_once(
    env: Env, clock: FakeClock, salesforce: FakeSalesforce
) -> None:
    org, _report = first_sync(env, clock, salesforce)
    notices = notices_due(env)
    # Cid is the one MQL not followed up: to Maya, who is in Slack.
    assert [(n.kind, n.lead.external_id, n.channel) for n in notices] == [
        ("handoff", org.leads["cid"], "U0MAYA001")
    ]
    # Eve becomes an MQL in Salesforce: the next sync hands her off, and only her; syncing
    # again (the watermark's overlap reads her history row twice) hands off no one.
    at(salesforce, "2026-11-04T12:30")
    salesforce.edit_lead(org.leads["eve"], Status="MQL")
    clock.current = moment("2026-11-04T13:00")
    assert pull(env, WS, client(salesforce), SLACK.get).stopped is None
    assert [(n.kind, n.lead.external_id) for n in notices_due(env)] == [
        ("handoff", org.leads["eve"])
    ]
    assert pull(env, WS, client(salesforce), SLACK.get).stopped is None
    assert notices_due(env) == []
    with env.db.transaction() as session:
        changes = session.scalars(
            select(LeadChange.new_status).join(Lead).where(Lead.external_id == org.leads["eve"])
        ).all()
    assert changes == ["Open", "MQL"]


def test_an_incremental_sync_follows_status_changes_conversions_and_deletions(
    cli: Env, clock: FakeClock, salesforce: FakeSalesforce, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _report = first_sync(cli, clock, salesforce)
    at(salesforce, "2026-11-10T10:00")
    salesforce.edit_member(org.members["ann"], "Attended")
    salesforce.delete_member(org.members["contact"])
    salesforce.add_member(org.root, lead_id=org.leads["eve"])  # Invited
    cid_deal = salesforce.add_opportunity(
        Name="Gamma from Cid",
        OwnerId=org.ids["maya"],
        StageName="Closed Won",
        Amount=700,
        CloseDate="2026-11-10",
    )
    salesforce.convert_lead(org.leads["cid"], cid_deal)
    salesforce.delete_lead(org.leads["eve"])
    salesforce.delete_campaign(org.child)
    clock.current = moment("2026-11-10T12:00")
    report = pull(cli, WS, client(salesforce), SLACK.get)
    assert report.stopped is None
    assert report.removed == {"Campaign": 1, "CampaignMember": 1, "Lead": 1}

    # Now: Summit has Ann (Attended since 10 November 10:00), Ben and Eve (Invited); the
    # contact is gone, and so is the deleted child's member. Summit's deal and the child's
    # won deal stay.
    now = campaigns_at(capsys)
    assert (now["Summit 2026"]["members"], now["Summit 2026"]["responded"]) == (3, 2)
    assert now["Summit webinars"]["members"] == 0
    assert now["Summit 2026"]["with_children"]["won"] == "800.00"
    # As of 9 November nothing has changed: history is kept.
    before = campaigns_at(capsys, "--as-of", "2026-11-09")
    assert (before["Summit 2026"]["members"], before["Summit 2026"]["responded"]) == (3, 2)
    assert before["Summit webinars"]["members"] == 1
    with cli.db.transaction() as session:
        versions = session.execute(
            select(CampaignMemberVersion.status, CampaignMemberVersion.valid_from)
            .join(CampaignMember)
            .where(CampaignMember.external_id == org.members["ann"])
            .order_by(CampaignMemberVersion.valid_from)
        ).all()
        cid_deal_id = session.scalar(select(Deal.id).where(Deal.external_id == cid_deal))
    # Restored from the Recycle Bin, the contact counts again from then on
    at(salesforce, "2026-11-11T10:00")
    salesforce.undelete_member(org.members["contact"])
    clock.current = moment("2026-11-11T12:00")
    assert pull(cli, WS, client(salesforce), SLACK.get).stopped is None
    again = campaigns_at(capsys)
    assert (again["Summit 2026"]["members"], again["Summit 2026"]["responded"]) == (4, 3)
    assert (
        campaigns_at(capsys, "--as-of", "2026-11-10T12:00:00+00:00")["Summit 2026"]["members"] == 3
    )
    # Attended from the member's SystemModstamp in Salesforce, not from the sync's moment
    assert [tuple(v) for v in versions] == [
        ("Invited", moment("2026-10-21T10:00")),
        ("Attended", moment("2026-11-10T10:00")),
    ]

    found = leads(cli)
    cid, eve = found["Cid Roe"], found["Eve Ray"]
    assert (cid.status, cid.converted_deal_id) == ("converted", cid_deal_id)
    # Eve is deleted in Salesforce: kept (the SLA's history), marked, never handed off.
    assert eve.deleted_at == moment("2026-11-10T10:00") + timedelta(seconds=5)
    assert eve.campaign_external_id == org.root  # from her new membership
    sla = json_of(
        capsys, "sla", "--json", "--period", "2026-Q4", "--as-of", "2026-11-10T12:00:00+00:00"
    )
    # Cid was converted without being accepted or rejected: his conversion is his
    # follow-up (Tue 16:00 -> the ConvertedDate, 10 November 00:00: 1 + 8 + 8 + 8 = 25h,
    # late). Converted now Dee and Cid: 2 of 3 accepted (Ann, Dee, Cid), both won.
    assert (sla["mqls"], sla["accepted"], sla["breached"]) == (4, 3, 1)
    assert sla["conversion"] == {"accepted": 0.75, "converted": 0.6667, "won": 1.0}


class Crashing:
    """The org as the client reads it, until the process dies reading `sobject`'s second
    page (a power cut: not an error Salesforce gave)."""

    def __init__(self, org: Any, sobject: str) -> None:
        self.org, self.sobject, self.reading = org, sobject, False

    def query(self, soql: str, *, include_deleted: bool = False) -> Record:
        self.reading = f" FROM {self.sobject} " in soql
        page: Record = self.org.query(soql, include_deleted=include_deleted)
        return page

    def query_more(self, next_records_url: str) -> Record:
        if self.reading:
            raise RuntimeError("power cut")
        page: Record = self.org.query_more(next_records_url)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self.org, name)


@pytest.mark.parametrize("sobject", ["CampaignMember", "Lead", "LeadHistory"])
def test_a_crash_mid_page_resumes_with_nothing_lost_or_doubled(
    env: Env, clock: FakeClock, salesforce: FakeSalesforce, sobject: str
) -> None:
    org = build(salesforce)
    connect_all(env, salesforce)
    clock.current = moment("2026-11-04T12:00")
    salesforce.page_size = 2
    with pytest.raises(RuntimeError):
        pull(env, WS, Crashing(client(salesforce), sobject), SLACK.get)
    report = pull(env, WS, client(salesforce), SLACK.get)
    assert report.stopped is None
    with env.db.transaction() as session:
        members = session.scalar(select(func.count()).select_from(CampaignMember))
        versions = session.scalar(select(func.count()).select_from(CampaignMemberVersion))
        per_lead = dict(
            session.execute(
                select(Lead.name, func.count()).join(LeadChange).group_by(Lead.name)
            ).all()
        )
    assert (members, versions) == (4, 4)
    # each step once: Open, then MQL, accepted, rejected, converted as each lead took them
    assert per_lead == {"Ann Lee": 3, "Ben Ode": 3, "Cid Roe": 2, "Dee Fox": 4, "Eve Ray": 1}
    found = leads(env)
    assert found["Ann Lee"].accepted_at == moment("2026-11-02T14:00")
    assert found["Dee Fox"].status == "converted"
    assert len(found) == len(org.leads)


def test_an_org_without_campaign_or_lead_access_still_syncs_its_deals(
    cli: Env, salesforce: FakeSalesforce, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(salesforce)
    connect(cli, salesforce)
    salesforce.org.denied = {"Campaign": "INVALID_TYPE", "Lead": "INSUFFICIENT_ACCESS"}
    report = pull(cli, WS, client(salesforce), SLACK.get)
    assert report.stopped is None
    assert report.skipped == ["Campaign (INVALID_TYPE)", "Lead (INSUFFICIENT_ACCESS)"]
    with cli.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == 5
    assert main(["salesforce", "status"]) == 0
    out = capsys.readouterr().out
    assert "Campaign: 0 records read, up to never\n    skipped: INVALID_TYPE" in out
    assert "Lead: 0 records read, up to never\n    skipped: INSUFFICIENT_ACCESS" in out
    # Given access, the next sync reads them, and the mark goes
    salesforce.org.denied = {}
    salesforce.add_campaign("Later")
    assert pull(cli, WS, client(salesforce), SLACK.get).skipped == []
    status = admin.status(cli, WS)
    assert status is not None
    assert {s.sobject: s.error for s in status.objects}["Campaign"] is None


def test_the_map_names_lead_moments_with_the_lead_imports_names(
    env: Env, salesforce: FakeSalesforce
) -> None:
    connect(env, salesforce)
    kept = admin.set_map(
        env, WS, ["mql=MQL_Date__c", "AcceptedDate=Accepted__c", "lead.segment=Segment__c"]
    )
    assert kept["lead.mql"] == "MQL_Date__c" and kept["lead.accepted"] == "Accepted__c"
    assert kept["lead.segment"] == "Segment__c" and kept["region"] == "Region__c"
    with pytest.raises(ParseError, match="a Lead moment"):
        admin.set_map(env, WS, ["status=Status"])


def test_the_operator_sees_each_object_pulled_and_the_lead_map(
    database: Database, salesforce: FakeSalesforce, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "SALESFORCE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(False))
    monkeypatch.setenv("COUNCIL_SECRET_KEY", KEY)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", salesforce.url)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
    build(salesforce)
    assert main(["salesforce", "connect"]) == 0
    assert main(["salesforce", "map", "mql=MQL_Date__c", "rejected=Rejected_Date__c"]) == 0
    assert "lead.mql=MQL_Date__c lead.rejected=Rejected_Date__c" in capsys.readouterr().out
    assert main(["salesforce", "sync", "--once"]) == 0
    synced = capsys.readouterr().out
    assert "  Campaign: 2 read (2 new, 0 changed, 0 unchanged, 0 deleted, 0 refused)" in synced
    assert "  CampaignMember: 4 read (4 new" in synced
    assert "  Lead: 5 read (5 new" in synced
    assert main(["salesforce", "status"]) == 0
    status = capsys.readouterr().out
    assert "  LeadHistory: 8 records read, up to 2026-11-04 10:00:" in status
