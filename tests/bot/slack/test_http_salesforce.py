"""Slack edits written back to Salesforce, through the real signed endpoint: a rep's
`/deal ... stage=won` reaches the Opportunity; a conflict is shown to the rep with both
values and a choice; a validation rule's refusal is told in plain words and the deal
follows Salesforce. On SQLite and PostgreSQL, against the fake Slack and fake org."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.salesforce.client import Client
from commands.context import Env
from commands.salesforce import admin
from commands.salesforce.sync import pull
from schedules.salesforce import sync_workspace
from store.models import Deal, SalesforceOutbox
from store.sealed import Sealer
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, MAYA, block_actions, post, slash_command

WS = "T0TEST001"
KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="


def connected(env: Env, fake: FakeSalesforce) -> tuple[dict[str, str], Client]:
    ids = seed(fake)
    admin.connect(
        env,
        WS,
        instance_url=fake.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sealer=Sealer([KEY]),
    )
    org = Client(fake.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)
    slack_ids = {"maya@example.com": MAYA.id}
    report = pull(env, WS, org, slack_ids.get)
    assert report.stopped is None
    return ids, org


def command(app: RunningApp, slack: FakeSlack, text: str) -> Any:
    before = len(slack.calls_to("response_url"))
    url = slack.response_url(f"c{before}")
    reply = post(app.events_url, slash_command("/deal", text, url, MAYA), content_type=FORM)
    assert reply.status == 200
    return slack.wait_for("response_url", before + 1)[-1]


def deal(env: Env, external_id: str) -> Deal:
    with env.db.transaction() as session:
        found = session.scalar(select(Deal).where(Deal.external_id == external_id))
        assert found is not None
        session.expunge(found)
        return found


def dms_to(slack: FakeSlack, user: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == user]


def test_a_slack_edit_is_written_to_the_opportunity(
    http_app: RunningApp, slack: FakeSlack, env: Env, salesforce: FakeSalesforce, client_for
) -> None:
    ids, org = connected(env, salesforce)
    reply = command(http_app, slack, "Acme renewal stage=won")
    assert "Closed Won" in reply.params["text"]
    with env.db.transaction() as session:
        queued = session.scalars(select(SalesforceOutbox)).all()
        # winning closes the deal today (the test clock's day), in Salesforce too
        won = {"StageName": "Closed Won", "CloseDate": "2026-11-23"}
        assert [(r.status, r.values) for r in queued] == [("pending", won)]
    run = sync_workspace(env, WS, org, client_for(WS))
    assert run is not None and run.delivery.sent == 1
    assert salesforce.patches == [(ids["acme"], won)]
    assert salesforce.org.opportunities[ids["acme"]]["StageName"] == "Closed Won"
    # the pull that follows reads the written record back and changes nothing here
    assert deal(env, ids["acme"]).stage == "Closed Won"
    again = sync_workspace(env, WS, org, client_for(WS))
    assert again is not None and again.delivery.sent == 0
    assert len(salesforce.patches) == 1


def test_a_conflict_is_shown_to_the_rep_who_chooses(
    http_app: RunningApp, slack: FakeSlack, env: Env, salesforce: FakeSalesforce, client_for
) -> None:
    ids, org = connected(env, salesforce)
    command(http_app, slack, "Acme renewal amount=150k")
    # meanwhile Vera changes the amount in Salesforce
    salesforce.tick(60)
    salesforce.edit(ids["acme"], by=ids["vp"], Amount=140000)
    run = sync_workspace(env, WS, org, client_for(WS))
    assert run is not None and (run.delivery.sent, run.delivery.conflicts) == (0, 1)
    assert salesforce.patches == []
    (dm,) = dms_to(slack, MAYA.id)
    text = str(dm.blocks())
    assert "Acme renewal" in text and "Vera Vice" in text
    assert "yours 150,000.00" in text and "Salesforce's 140,000.00" in text
    # the pull did not overwrite the rep's value while the choice is open
    assert deal(env, ids["acme"]).amount == Decimal("150000.00")
    buttons = {e["text"]["text"]: e for e in dm.blocks()[1]["elements"]}
    url = slack.response_url("press")
    pressed = post(
        http_app.events_url, block_actions(buttons["Write mine"], url), content_type=FORM
    )
    assert pressed.status == 200
    # the command's reply, then the press's answer
    assert "Writing your values" in slack.wait_for("response_url", 2)[-1].params["text"]
    run = sync_workspace(env, WS, org, client_for(WS))
    assert run is not None and run.delivery.sent == 1
    assert salesforce.patches == [(ids["acme"], {"Amount": 150000.0})]


def test_keeping_salesforces_values_after_a_conflict(
    http_app: RunningApp, slack: FakeSlack, env: Env, salesforce: FakeSalesforce, client_for
) -> None:
    ids, org = connected(env, salesforce)
    command(http_app, slack, "Acme renewal amount=150k")
    salesforce.tick(60)
    salesforce.edit(ids["acme"], by=ids["vp"], Amount=140000)
    sync_workspace(env, WS, org, client_for(WS))
    (dm,) = dms_to(slack, MAYA.id)
    buttons = {e["text"]["text"]: e for e in dm.blocks()[1]["elements"]}
    url = slack.response_url("keep")
    post(http_app.events_url, block_actions(buttons["Keep Salesforce's"], url), content_type=FORM)
    answer = slack.wait_for("response_url", 2)[-1]
    assert "Kept Salesforce's values" in answer.params["text"]
    assert deal(env, ids["acme"]).amount == Decimal("140000.00")
    sync_workspace(env, WS, org, client_for(WS))
    assert salesforce.patches == []


def test_a_validation_rule_is_told_in_plain_words_and_the_deal_follows_salesforce(
    http_app: RunningApp, slack: FakeSlack, env: Env, salesforce: FakeSalesforce, client_for
) -> None:
    ids, org = connected(env, salesforce)
    command(http_app, slack, "Acme renewal close=2026-11-30")
    salesforce.fail_next(
        "patch",
        400,
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Close Date cannot move into this month without a signed quote",
        fields=["CloseDate"],
    )
    run = sync_workspace(env, WS, org, client_for(WS))
    assert run is not None and run.delivery.refused == 1
    (dm,) = dms_to(slack, MAYA.id)
    assert dm.params["text"] == (
        "Salesforce did not take your change to Acme renewal: a rule in Salesforce says: "
        "Close Date cannot move into this month without a signed quote"
    )
    assert deal(env, ids["acme"]).close_date == date(2026, 12, 15)
