"""SPEC section 9's campaign figures through `council campaigns --json`, against values
worked out by hand from tests/support/campaign_org.py, on SQLite and PostgreSQL.

Hand computation (as of the end of 2026-11-15 unless said otherwise):
- members: Root has m1 (added 09-10, Sent), m2 (added 10-05, Responded from 11-01) and m3
  (added 11-20: not yet a member); A has m4 (10-10, Responded) and m5 (10-12, Sent until
  11-20); A1 has m6 (08-01, Responded); B none.
- deals: d1 Root, created 10-02, open 500 closing 12-15; d2 A, created 09-01, won 3,000 on
  10-20; d3 A1, created 10-03, open 700 closing 2027-02-01 (outside Q4); d4 A until 11-16
  then B, created 10-05, open 200 closing 11-30; d5 has no campaign.
"""

from __future__ import annotations

import json

import pytest

from bot.run.cli import main
from commands.campaigns import command as campaign
from commands.campaigns.figures import CampaignFigures
from commands.campaigns.reading import CampaignShown
from commands.context import Env
from store.db import Database
from tests.support import campaign_org


def figures(
    members: int,
    responded: int,
    rate: float | None,
    opps: int,
    pipeline: str,
    won: str,
    cost: str | None,
    cpo: str | None,
    roi: float | None,
) -> dict[str, object]:
    return {
        "members": members,
        "responded": responded,
        "response_rate": rate,
        "opportunities": opps,
        "pipeline": pipeline,
        "won": won,
        "actual_cost": cost,
        "cost_per_opportunity": cpo,
        "roi": roi,
    }


@pytest.fixture
def cli(env: Env, database: Database, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    campaign_org.build(env)
    return env


def campaigns(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["campaigns", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def by_name(result: dict[str, object]) -> dict[str, dict[str, object]]:
    rows = result["campaigns"]
    assert isinstance(rows, list)
    return {row["name"]: row for row in rows}


def test_a_quarter_as_of_a_past_day(cli: Env, capsys):
    result = campaigns(capsys, "--period", "2026-Q4", "--as-of", "2026-11-15")
    assert result["period"] == "2026-Q4"
    assert result["as_of"] == "2026-11-15T23:59:59.999999+00:00"
    rows = result["campaigns"]
    assert [r["name"] for r in rows] == ["A", "A1", "B", "Root"]  # sorted by name
    got = by_name(result)
    # Root: m1 was added before the quarter; m2 in it, responded by then. d1 created and
    # closing in Q4. ROI (0 - 1000) / 1000.
    root_own = figures(1, 1, 1.0, 1, "500.00", "0.00", "1000.00", "1000.00", -1.0)
    # A: m4 responded, m5 still Sent. d2 was created before Q4 (not counted) but won in it;
    # d4 was A's then. Cost per opp 400 / 1; ROI (3000 - 400) / 400.
    a_own = figures(2, 1, 0.5, 1, "200.00", "3000.00", "400.00", "400.00", 6.5)
    # A1: m6 was added before Q4, so no members: rate n/a. d3 created in Q4, closing after
    # it: no pipeline. No cost: cost per opp and ROI n/a.
    a1_own = figures(0, 0, None, 1, "0.00", "0.00", None, None, None)
    # B: nothing yet, and a cost of zero is no cost.
    b_own = figures(0, 0, None, 0, "0.00", "0.00", "0.00", None, None)
    assert got["Root"] == {
        "id": "701ROOT",
        "name": "Root",
        "type": "Webinar",
        "parent": None,
        **root_own,
        # Root + A + A1 + B: 3 members, 2 responded; 3 opps; cost 1,400: 1400 / 3 = 466.67
        # per opp; ROI (3000 - 1400) / 1400 = 1.142857...
        "with_children": figures(3, 2, 0.6667, 3, "700.00", "3000.00", "1400.00", "466.67", 1.1429),
    }
    assert got["A"]["parent"] == "701ROOT" and got["A1"]["parent"] == "701A"
    assert got["A1"]["type"] == "Email"
    assert {k: got["A"][k] for k in a_own} == a_own
    # A + A1: rates recomputed from the sums: 400 / 2 opps.
    assert got["A"]["with_children"] == figures(
        2, 1, 0.5, 2, "200.00", "3000.00", "400.00", "200.00", 6.5
    )
    assert {k: got["A1"][k] for k in a1_own} == a1_own
    assert got["A1"]["with_children"] == a1_own
    assert {k: got["B"][k] for k in b_own} == b_own


def test_all_time_as_of_a_past_day(cli: Env, capsys):
    got = by_name(campaigns(capsys, "--as-of", "2026-11-15"))
    # Every member added by then; every deal carrying the campaign then, open or won.
    assert {k: got["Root"][k] for k in ("members", "responded", "response_rate")} == {
        "members": 2,
        "responded": 1,
        "response_rate": 0.5,
    }
    assert got["A"]["opportunities"] == 2 and got["A"]["cost_per_opportunity"] == "200.00"
    assert got["A1"]["members"] == 1 and got["A1"]["pipeline"] == "700.00"
    # Root + A + A1 + B: 5 members, 3 responded; 4 opps; pipeline 500 + 200 + 700; cost
    # 1,400 / 4 = 350; ROI (3000 - 1400) / 1400.
    assert got["Root"]["with_children"] == figures(
        5, 3, 0.6, 4, "1400.00", "3000.00", "1400.00", "350.00", 1.1429
    )


def test_now_sees_later_members_status_changes_and_a_deal_that_changed_campaign(cli: Env, capsys):
    got = by_name(campaigns(capsys))  # the CLI's clock is the real one: after all of it
    # m3 has joined Root; m5 has responded; d4 now belongs to B.
    assert (got["Root"]["members"], got["Root"]["responded"]) == (3, 2)
    assert (got["A"]["members"], got["A"]["responded"], got["A"]["response_rate"]) == (2, 2, 1.0)
    assert (got["A"]["opportunities"], got["A"]["pipeline"]) == (1, "0.00")
    assert (
        got["B"]["opportunities"],
        got["B"]["pipeline"],
        got["B"]["cost_per_opportunity"],
        got["B"]["roi"],
    ) == (1, "200.00", None, None)


def test_further_back_a_deal_still_open_and_a_campaign_without_responses(cli: Env, capsys):
    got = by_name(campaigns(capsys, "--as-of", "2026-09-30"))
    # Only m1 (Sent) in Root: a rate of 0, not n/a. d2 was open then: A's pipeline, no win,
    # so ROI (0 - 400) / 400.
    assert (got["Root"]["members"], got["Root"]["response_rate"]) == (1, 0.0)
    assert got["A"]["response_rate"] is None
    assert (got["A"]["pipeline"], got["A"]["won"], got["A"]["roi"]) == ("3000.00", "0.00", -1.0)
    assert got["A1"]["with_children"]["response_rate"] == 1.0


def test_a_bad_period_is_named(cli: Env, capsys):
    assert main(["campaigns", "--period", "2026-Q9"]) == 2
    assert "2026-Q9" in capsys.readouterr().err


def test_show_counts_only_the_campaign_and_those_below_it_and_agrees_with_the_list(cli: Env):
    listed = campaign.run(cli, campaign_org.OWNER, "list 2026-Q4")
    assert isinstance(listed, CampaignFigures)
    for line in listed.campaigns:
        shown = campaign.run(cli, campaign_org.OWNER, f"show {line.name} 2026-Q4")
        assert isinstance(shown, CampaignShown)
        assert (shown.line.own, shown.line.with_children) == (line.own, line.with_children)
    root = campaign.run(cli, campaign_org.OWNER, "show Root")
    assert isinstance(root, CampaignShown)
    assert [d.name for d in root.descendants] == ["A", "A1", "B"]  # depth first, by name
    a1 = campaign.run(cli, campaign_org.OWNER, "show A1")
    assert isinstance(a1, CampaignShown)
    assert [a.name for a in a1.ancestors] == ["Root", "A"]


def test_council_campaigns_has_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["campaigns", "--help"])
    assert exit_.value.code == 0
    assert "usage: council campaigns" in capsys.readouterr().out
