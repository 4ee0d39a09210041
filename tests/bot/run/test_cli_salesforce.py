"""`council salesforce connect | map | sync --once | status` against the fake org, as an
admin runs them; the secret is stored sealed and never printed or logged."""

from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy import select

from bot.run import logs
from bot.run.cli import main
from store.db import Database
from store.models import Deal, SalesforceConnection
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed

KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="


@pytest.fixture
def operator(database: Database, salesforce: FakeSalesforce, monkeypatch: pytest.MonkeyPatch):
    for name in list(os.environ):
        if name.startswith(("SLACK_", "SALESFORCE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(False))
    monkeypatch.setenv("COUNCIL_SECRET_KEY", KEY)
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", salesforce.url)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", CLIENT_SECRET)
    return database


def test_connect_map_sync_and_status(
    operator: Database,
    salesforce: FakeSalesforce,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = seed(salesforce)
    caplog.set_level(logging.DEBUG)
    assert main(["salesforce", "connect", "--workspace", "T0CLI0001"]) == 0
    assert "Connected workspace T0CLI0001" in capsys.readouterr().out
    assert main(["salesforce", "map", "--workspace", "T0CLI0001", "region=Region__c"]) == 0
    assert "region=Region__c" in capsys.readouterr().out
    assert main(["salesforce", "sync", "--once", "--workspace", "T0CLI0001"]) == 0
    synced = capsys.readouterr().out
    assert "5 Opportunities (5 new" in synced and "4 users" in synced
    assert main(["salesforce", "status", "--workspace", "T0CLI0001"]) == 0
    status = capsys.readouterr().out
    # no Slack configured here: every user is listed as unmatched, and still owns deals
    assert "without a Slack account: 4" in status and "Ravi Nobody <ravi@example.com>" in status
    assert f"of {salesforce.api_limit:,} API calls used" in status
    with operator.transaction() as session:
        stored = session.scalar(select(SalesforceConnection.client_secret))
        regions = {d.external_id: d.region for d in session.scalars(select(Deal)).all()}
    assert stored is not None and CLIENT_SECRET not in stored and stored.startswith("fernet:")
    assert regions[ids["acme"]] == "EMEA"
    assert CLIENT_SECRET not in synced + status + caplog.text


def test_connect_refuses_wrong_credentials_and_saves_nothing(
    operator: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "not-the-secret")
    assert main(["salesforce", "connect", "--workspace", "T0CLI0001"]) == 1
    assert "refused the connected app's credentials: invalid client credentials" in (
        capsys.readouterr().err
    )
    with operator.transaction() as session:
        assert session.scalar(select(SalesforceConnection)) is None


def test_a_bad_map_says_what_is_wrong(
    operator: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["salesforce", "connect", "--workspace", "T0CLI0001"]) == 0
    assert main(["salesforce", "map", "--workspace", "T0CLI0001", "territory=Region__c"]) == 2
    assert "name a dimension (product, region, segment, source)" in capsys.readouterr().err


def test_a_salesforce_session_id_never_reaches_a_log_line() -> None:
    line = "GET /query Authorization: Bearer 00D5g000000ABCD!AQ4AQFc.x_yz1 failed"
    assert "00D5g000000ABCD!" not in logs.redact(line)
