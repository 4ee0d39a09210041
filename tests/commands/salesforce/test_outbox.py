"""What a change queues for Salesforce, and how delivery retries: mapped fields written,
a related record's field not, two changes before a delivery sent as one write, a 503
tried again later and then written once; the conflict rule is field by field (a change
there to a field being written holds the write back, a change to another goes through and
is kept, since only the named fields are written)."""

from __future__ import annotations

from sqlalchemy import select

from bot.salesforce.client import Client
from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealSaved
from commands.salesforce import admin
from commands.salesforce.outbox import deliver
from commands.salesforce.sync import pull
from store.models import SalesforceOutbox
from store.sealed import Sealer
from tests.support.clock import FakeClock
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed

WS = "T0TEST001"
KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="


def setup(env: Env, fake: FakeSalesforce, maya: Actor) -> tuple[dict[str, str], Client]:
    ids = seed(fake)
    admin.connect(
        env,
        WS,
        instance_url=fake.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sealer=Sealer([KEY]),
    )
    admin.set_map(env, WS, ["region=Region__c", "segment=Account.Type"])
    org = Client(fake.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)
    pull(env, WS, org, {"maya@example.com": maya.user_id}.get)
    return ids, org


def rows(env: Env) -> list[tuple[str, dict[str, object]]]:
    with env.db.transaction() as session:
        return [(r.status, dict(r.values)) for r in session.scalars(select(SalesforceOutbox))]


def test_mapped_fields_and_an_explicit_category_are_queued_as_one_write(
    env: Env, salesforce: FakeSalesforce, maya: Actor
) -> None:
    ids, org = setup(env, salesforce, maya)
    first = deal.run(env, maya, "Acme renewal region=NA segment=Enterprise")
    second = deal.run(env, maya, 'Acme renewal category="Best Case" next="Call the CFO"')
    assert isinstance(first, DealSaved) and isinstance(second, DealSaved)
    # segment comes from the Account (Account.Type): not the Opportunity's to write
    assert rows(env) == [
        (
            "pending",
            {"Region__c": "NA", "ForecastCategoryName": "Best Case", "NextStep": "Call the CFO"},
        )
    ]
    report = deliver(env, WS, org)
    assert report.sent == 1
    assert salesforce.patches == [
        (
            ids["acme"],
            {"Region__c": "NA", "ForecastCategoryName": "Best Case", "NextStep": "Call the CFO"},
        )
    ]


def test_a_salesforce_outage_is_tried_again_later_and_written_once(
    env: Env, salesforce: FakeSalesforce, maya: Actor, clock: FakeClock
) -> None:
    ids, org = setup(env, salesforce, maya)
    deal.run(env, maya, "Acme renewal amount=130k")
    salesforce.fail_next("get", 503, "SERVER_UNAVAILABLE", times=5)
    assert deliver(env, WS, org).waiting == 1
    assert deliver(env, WS, org).sent == 0  # not due yet: it waits its backoff
    clock.advance(minutes=3)
    assert deliver(env, WS, org).sent == 1
    assert salesforce.patches == [(ids["acme"], {"Amount": 130000.0})]
    assert rows(env)[0][0] == "sent"


def test_a_deal_that_did_not_come_from_salesforce_queues_nothing(
    env: Env, salesforce: FakeSalesforce, maya: Actor
) -> None:
    setup(env, salesforce, maya)
    created = deal.run(env, maya, "new Local only deal amount=10k")
    assert isinstance(created, DealSaved)
    deal.run(env, maya, "Local only deal amount=12k")
    assert rows(env) == []


def test_a_change_there_to_the_same_field_holds_the_write_back(
    env: Env, salesforce: FakeSalesforce, maya: Actor
) -> None:
    ids, org = setup(env, salesforce, maya)
    deal.run(env, maya, "Acme renewal amount=130k")
    salesforce.tick(60)
    salesforce.edit(ids["acme"], by=ids["vp"], Amount=140000)
    report = deliver(env, WS, org)
    assert (report.sent, report.conflicts) == (0, 1)
    assert salesforce.patches == []
    assert salesforce.org.opportunities[ids["acme"]]["Amount"] == 140000
    assert rows(env) == [("conflict", {"Amount": 130000.0})]


def test_a_change_there_to_another_field_is_kept_and_the_write_goes_through(
    env: Env, salesforce: FakeSalesforce, maya: Actor
) -> None:
    ids, org = setup(env, salesforce, maya)
    deal.run(env, maya, "Acme renewal amount=130k")
    salesforce.tick(60)
    salesforce.edit(ids["acme"], by=ids["vp"], NextStep="Vera calls the CFO")
    report = deliver(env, WS, org)
    assert (report.sent, report.conflicts) == (1, 0)
    # only the field the rep changed is written: Vera's next step stays
    assert salesforce.patches == [(ids["acme"], {"Amount": 130000.0})]
    record = salesforce.org.opportunities[ids["acme"]]
    assert (record["Amount"], record["NextStep"]) == (130000.0, "Vera calls the CFO")
