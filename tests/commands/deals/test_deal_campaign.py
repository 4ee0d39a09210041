"""`/deal NAME campaign=NAME`: the deal's primary campaign, by name or Salesforce Id, with
did-you-mean, recorded as a version (the APM by campaign as of before and after), shown."""

from __future__ import annotations

import json

import pytest

from bot.render import render
from bot.render.blocks import Message
from bot.run.cli import main
from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealCard, DealSaved
from commands.results import Problem, Refused
from commands.unit import run_unit
from store.db import Database
from tests.support import campaign_org

OWNER = campaign_org.OWNER  # the workspace's admin
REP = Actor("T0CAMP001", "U0CAMP003", "Rui Rep", "slash_command", "camp")


@pytest.fixture
def cli(env: Env, database: Database, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    campaign_org.build(env)
    return env


def by_campaign(capsys, as_of: str) -> dict[str, tuple[str, str]]:
    args = ["apm", "--by", "campaign", "--period", "2026-Q4", "--as-of", as_of, "--json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    return {row["value"]: (row["open"]["value"], row["pipegen"]["value"]) for row in rows}


def test_a_deal_gets_a_campaign_as_a_version_and_the_apm_follows_it(cli: Env, capsys):
    # The clock is Monday 2026-11-23 15:00 UTC. d5 (900, created 10-04, closing 12-01)
    # has no campaign; A1 has d3 (700, created 10-03, closing in 2027: pipegen only).
    result = deal.run(cli, OWNER, "d5 campaign=a1")  # a name in any case
    assert isinstance(result, DealSaved), result
    assert [(c.label, c.old, c.new) for c in result.changes] == [("campaign", "–", "A1")]
    assert deal.run(cli, OWNER, "d5 campaign=701A1").changes == []  # by Id: the same
    # As of the day before, d5 counts under (none); as of the day itself, under A1.
    before = by_campaign(capsys, "2026-11-22")
    assert before["(none)"] == ("900.00", "900.00") and before["A1"] == ("0.00", "700.00")
    after = by_campaign(capsys, "2026-11-23")
    assert "(none)" not in after and after["A1"] == ("900.00", "1600.00")

    shown = deal.run(cli, OWNER, "show d5")
    assert isinstance(shown, DealCard) and shown.deal.campaign == "A1"
    message = render(shown)
    assert isinstance(message, Message)
    assert "*Campaign:* A1" in json.dumps(message.blocks, ensure_ascii=False)

    cleared = deal.run(cli, OWNER, "d5 campaign=none")
    assert isinstance(cleared, DealSaved) and cleared.deal.campaign is None


def test_a_campaign_not_known_is_refused_with_what_was_meant(cli: Env):
    result = deal.run(cli, OWNER, "d5 campaign=Rooot")
    assert isinstance(result, Problem)
    assert "no campaign is named `Rooot`; did you mean `Root`?" in result.message
    result = deal.run(cli, OWNER, "d5 campaign=Summit")
    assert isinstance(result, Problem) and "see `/campaign list`" in result.message
    shown = deal.run(cli, OWNER, "show d5")
    assert isinstance(shown, DealCard) and shown.deal.campaign is None  # nothing written


def test_a_rep_may_not_set_the_campaign_of_someone_elses_deal(cli: Env):
    run_unit(cli, REP, lambda unit: unit.member())
    assert isinstance(deal.run(cli, REP, "d5 campaign=A1"), Refused)
