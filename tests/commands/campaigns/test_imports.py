"""`council import campaigns|campaign-statuses|campaign-members` and Opportunity's
CampaignId, with Salesforce's column names; bad rows listed by line, good rows loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.run.cli import main
from commands.context import Env
from store.db import Database
from store.models import Campaign, CampaignMember, CampaignMemberStatus, Deal

# A Campaign export (API names, a byte-order mark), one row per campaign.
CAMPAIGNS = "\ufeff" + "\n".join(
    [
        "Id,Name,Type,Status,ParentId,StartDate,EndDate,BudgetedCost,ActualCost,"
        "ExpectedRevenue,ExpectedResponse,NumberSent",
        '701000000000001AAA,Summit 2026,Event,In Progress,,2026-10-01,2026-12-31,"5,000.00",'
        "4000,100000,2.5,1000",
        "701000000000002AAA,Summit webinars,Webinar,Planned,701000000000001AAA,2026-10-01,"
        "2026-11-30,,1000,,,",
        "701000000000003AAA,Webinar Oct,Webinar,Completed,701000000000002AAA,10/5/2026,"
        "10/5/2026,,250.50,,,200",
        "701000000000004AAA,,Email,Planned,,,,,,,,",
        "701000000000005AAA,Bad cost,Email,Planned,,,,,-10,,,",
        "701000000000006AAA,Orphan,Email,Planned,701999999999999AAA,,,,,,,",
        "701000000000007AAA,Backwards,Email,Planned,,2026-12-01,2026-11-01,,,,,",
        "",
    ]
)

STATUSES = """CampaignId,Label,HasResponded,IsDefault,SortOrder
701000000000001AAA,Invited,false,true,1
701000000000001AAA,Registered,false,false,2
701000000000001AAA,Attended,true,false,3
701000000000003AAA,Sent,false,true,1
701000000000003AAA,Opened,false,true,2
701000000000099AAA,Sent,false,true,1
701000000000002AAA,Sent,maybe,true,1
"""

MEMBERS = """Id,CampaignId,LeadId,ContactId,Status,FirstRespondedDate,CreatedDate
00v01,701000000000001AAA,00Q01,,Invited,,2026-10-02T10:00:00.000+0000
00v02,701000000000001AAA,00Q02,,Attended,2026-10-20,2026-10-03T10:00:00.000+0000
00v03,701000000000001AAA,,003C1,Registered,,2026-10-04T10:00:00.000+0000
00v04,701000000000001AAA,00Q04,,Responded,,2026-10-04T10:00:00.000+0000
00v05,701000000000099AAA,00Q05,,Sent,,2026-10-04T10:00:00.000+0000
00v06,701000000000001AAA,,,Invited,,2026-10-04T10:00:00.000+0000
00v07,701000000000003AAA,00Q07,,,,2026-10-06
"""

DEALS = """Id,Name,StageName,Amount,CloseDate,CreatedDate,CampaignId
006A1,Acme expansion,Prospecting,1200,2026-12-10,2026-10-10,701000000000001
006A2,Beta new logo,Closed Won,800,2026-10-30,2026-10-11,701000000000003AAA
006A3,Gamma,Prospecting,500,2026-12-10,2026-10-12,701000000000077AAA
"""


@pytest.fixture
def cli(env: Env, database: Database, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    return env


def load(tmp_path: Path, capsys, kind: str, text: str) -> tuple[int, str]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    code = main(["import", kind, str(path)])
    return code, capsys.readouterr().out


def test_campaigns_load_with_their_hierarchy_and_bad_rows_are_listed(cli: Env, tmp_path, capsys):
    code, out = load(tmp_path, capsys, "campaigns", CAMPAIGNS)
    assert code == 1  # some rows refused
    assert "4 created" in out and "3 refused" in out
    assert "line 5: no Name" in out
    assert "line 6: ActualCost: amounts cannot be negative" in out
    assert "ParentId names no campaign: loaded without a parent (lines 7)" in out
    assert "line 8: EndDate 2026-11-01 is before StartDate 2026-12-01" in out
    with cli.db.transaction() as session:
        found = {c.name: c for c in session.scalars(select(Campaign))}
        summit, webinars, october = (
            found["Summit 2026"],
            found["Summit webinars"],
            found["Webinar Oct"],
        )
        assert webinars.parent_id == summit.id and october.parent_id == webinars.id
        assert found["Orphan"].parent_id is None
        assert str(summit.budgeted_cost) == "5000.00" and str(october.actual_cost) == "250.50"
        assert str(summit.expected_response) == "2.50" and summit.number_sent == 1000
        assert str(october.start_date) == "2026-10-05"
    code, out = load(tmp_path, capsys, "campaigns", CAMPAIGNS)
    assert "0 created, 0 changed, 4 unchanged" in out


def test_statuses_members_and_deals_with_a_campaign(cli: Env, tmp_path, capsys):
    load(tmp_path, capsys, "campaigns", CAMPAIGNS)
    code, out = load(tmp_path, capsys, "campaign-statuses", STATUSES)
    assert code == 1
    # Webinar Oct's rows make two defaults: both refused, its statuses stay as they were.
    assert (
        "line 5: campaign `Webinar Oct`: it needs exactly one default status, not 2 (Sent, Opened)"
        in out
    )
    assert "line 6: campaign `Webinar Oct`" in out
    assert "line 7: no campaign with Id `701000000000099AAA`: import the campaigns first" in out
    assert "line 8: HasResponded `maybe` is neither true nor false" in out
    with cli.db.transaction() as session:
        summit = session.scalars(select(Campaign).where(Campaign.name == "Summit 2026")).one()
        labels = {
            s.label: (s.has_responded, s.is_default)
            for s in session.scalars(
                select(CampaignMemberStatus).where(CampaignMemberStatus.campaign_id == summit.id)
            )
        }
    # The file's set replaced Salesforce's starting Sent and Responded.
    assert labels == {
        "Invited": (False, True),
        "Registered": (False, False),
        "Attended": (True, False),
    }

    code, out = load(tmp_path, capsys, "campaign-members", MEMBERS)
    assert code == 1 and "4 created" in out
    assert (
        "line 5: campaign `Summit 2026` has no status `Responded` "
        "(its statuses: Invited, Registered, Attended)" in out
    )
    assert "line 6: no campaign with Id `701000000000099AAA`" in out
    assert "line 7: neither a LeadId nor a ContactId" in out
    with cli.db.transaction() as session:
        october = session.scalars(
            select(CampaignMember).where(CampaignMember.lead_id == "00Q07")
        ).one()
        assert october.status == "Sent"  # no Status: the campaign's default

    code, out = load(tmp_path, capsys, "deals", DEALS)
    assert "1 × campaign not imported yet: loaded without one (lines 4)" in out
    with cli.db.transaction() as session:
        deals = {d.external_id: d for d in session.scalars(select(Deal))}
        names = {c.id: c.name for c in session.scalars(select(Campaign))}
    # A report's 15-character Id finds the campaign an API export gave 18 characters.
    assert names[deals["006A1"].campaign_id] == "Summit 2026"
    assert names[deals["006A2"].campaign_id] == "Webinar Oct"
    assert deals["006A3"].campaign_id is None

    assert main(["campaigns", "--json", "--as-of", "2026-11-01"]) == 0
    got = {c["name"]: c for c in json.loads(capsys.readouterr().out)["campaigns"]}
    # Summit: 3 members (Invited, Attended, Registered), 1 responded; Acme open 1,200; cost
    # 4,000. With its children: Webinar Oct's member and its won 800, costs 4000 + 1000 +
    # 250.50 = 5,250.50; ROI (800 - 5250.50) / 5250.50 = -0.847633...
    assert (got["Summit 2026"]["members"], got["Summit 2026"]["responded"]) == (3, 1)
    assert got["Summit 2026"]["pipeline"] == "1200.00"
    rolled = got["Summit 2026"]["with_children"]
    assert (rolled["members"], rolled["opportunities"], rolled["won"]) == (4, 2, "800.00")
    assert rolled["actual_cost"] == "5250.50" and rolled["roi"] == -0.8476
    assert rolled["cost_per_opportunity"] == "2625.25"


def test_a_member_whose_status_changed_keeps_the_earlier_one_in_its_history(
    cli: Env, tmp_path, capsys
):
    load(tmp_path, capsys, "campaigns", CAMPAIGNS)
    load(tmp_path, capsys, "campaign-statuses", STATUSES)
    load(tmp_path, capsys, "campaign-members", MEMBERS)
    changed = MEMBERS.replace("00Q01,,Invited,,", "00Q01,,Attended,2026-11-02,")
    _code, out = load(tmp_path, capsys, "campaign-members", changed)
    assert "0 created, 1 changed, 3 unchanged" in out
    assert main(["campaigns", "--json", "--as-of", "2026-11-01"]) == 0
    before = {c["name"]: c for c in json.loads(capsys.readouterr().out)["campaigns"]}
    assert before["Summit 2026"]["responded"] == 1  # as it stood before this import
    assert main(["campaigns", "--json"]) == 0
    now = {c["name"]: c for c in json.loads(capsys.readouterr().out)["campaigns"]}
    assert now["Summit 2026"]["responded"] == 2


def test_a_file_without_the_needed_columns_is_explained(cli: Env, tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text("Id,CampaignId,Status\n1,2,Sent\n", encoding="utf-8")
    assert main(["import", "campaign-members", str(path)]) == 2
    assert "no LeadId or ContactId column" in capsys.readouterr().err


def test_members_without_an_id_are_known_by_their_lead_in_the_campaign(cli: Env, tmp_path, capsys):
    load(tmp_path, capsys, "campaigns", CAMPAIGNS)
    load(tmp_path, capsys, "campaign-statuses", STATUSES)
    plain = "CampaignId,LeadId,Status\n701000000000001AAA,00Q01,Invited\n"
    _code, out = load(tmp_path, capsys, "campaign-members", plain)
    assert "1 created" in out
    _code, out = load(tmp_path, capsys, "campaign-members", plain.replace("Invited", "Attended"))
    assert "0 created, 1 changed" in out
