"""The APM by campaign and by campaign type (`council apm --by campaign`, `/apm campaign
type`), on tests/support/campaign_org.py, checked against sums worked out by hand."""

from __future__ import annotations

import json

import pytest

from bot.run.cli import main
from commands import apm
from commands.apm import Apm
from commands.context import Env
from store.db import Database
from tests.support import campaign_org


@pytest.fixture
def cli(env: Env, database: Database, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    campaign_org.build(env)
    return env


def columns(capsys, by: str) -> dict[str, tuple[str, str, str]]:
    args = ["apm", "--by", by, "--period", "2026-Q4", "--as-of", "2026-11-15", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dimension"] == by
    return {
        row["value"]: (row["closed"]["value"], row["open"]["value"], row["pipegen"]["value"])
        for row in [*result["rows"], {"value": "total", **result["total"]}]
    }


def test_by_campaign_each_deal_counts_under_its_campaign_as_of_the_moment(cli: Env, capsys):
    # closed: d2 won 3,000 for A on 10-20. open (closing in Q4): d1 500 Root, d4 200 A (A's
    # until 11-16), d5 900 without a campaign; d3 closes in 2027. pipegen (created in Q4 by
    # 11-15): d1 500, d4 200, d3 700, d5 900; d2 was created in September.
    assert columns(capsys, "campaign") == {
        "(none)": ("0.00", "900.00", "900.00"),
        "A": ("3000.00", "200.00", "200.00"),
        "A1": ("0.00", "0.00", "700.00"),
        "Root": ("0.00", "500.00", "500.00"),
        "total": ("3000.00", "1600.00", "2300.00"),
    }


def test_by_campaign_type(cli: Env, capsys):
    # Root and A are webinars, A1 an email.
    assert columns(capsys, "campaign_type") == {
        "(none)": ("0.00", "900.00", "900.00"),
        "Email": ("0.00", "0.00", "700.00"),
        "Webinar": ("3000.00", "700.00", "700.00"),
        "total": ("3000.00", "1600.00", "2300.00"),
    }


def test_slash_apm_reads_campaign_type_as_two_words(cli: Env):
    result = apm.run_apm(cli, campaign_org.OWNER, "campaign type 2026-Q4")
    assert isinstance(result, Apm) and result.dimension == "campaign_type"
    assert {row.value for row in result.rows} == {"(none)", "Email", "Webinar"}
