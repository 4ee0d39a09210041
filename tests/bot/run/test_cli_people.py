"""`council import people` and `council people admin` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.run.test_cli_numbers import council, store_url  # noqa: F401  (a fixture)
from tests.support.fake_slack import FakeSlack


def test_people_then_deals_by_owner_id_then_an_admin(
    store_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    slack.emails = {"ada@acme.io": "U0ADA0001"}
    users = tmp_path / "User.csv"
    users.write_text(
        "Id,Name,Email,ManagerId,IsActive,UserRole.Name\n"
        "005A,Ada Vance,ada@acme.io,,true,VP Sales\n"
        "005B,Ben Ortiz,ben@acme.io,005A,true,Account Executive\n"
    )
    code, out, _ = council(["import", "people", str(users)], capsys)
    assert code == 0, out
    assert "2 people added" in out and "1 in Slack" in out
    assert "Not in Slack (they own deals all the same): Ben Ortiz" in out
    deals = tmp_path / "Opportunity.csv"
    deals.write_text(
        "Id,Name,StageName,Amount,CloseDate,OwnerId\n006X,Acme,Negotiation/Review,10,2026-12-01,005B\n"
    )
    code, out, _ = council(["import", "deals", str(deals)], capsys)
    assert code == 0 and "1 created" in out
    assert "Stages added from the file: Negotiation/Review (open, Pipeline, 90%)." in out
    code, out, _ = council(["people", "admin", "ada@acme.io"], capsys)
    assert (code, out) == (0, "Ada Vance is now an admin of local.\n")
    code, _, err = council(["people", "admin", "nobody"], capsys)
    assert code == 2 and "neither an email nor a Slack user id" in err
