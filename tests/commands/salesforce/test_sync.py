"""Pulling an org: a first full sync, incremental ones after changes and deletions, a crash
mid-sync resumed, an expired token and the API limit; against the fake org over HTTP, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.salesforce.client import Client
from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealCard, DealList
from commands.results import Problem
from commands.salesforce import admin
from commands.salesforce.sync import pull
from store import workspaces
from store.models import Deal, DealVersion, Person
from store.sealed import Sealer
from tests.support.fake_salesforce import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_STAGES,
    DROP,
    FakeSalesforce,
    seed,
)
from tests.support.salesforce_figures import open_by_region

WS = "T0TEST001"
SLACK = {"maya@example.com": "U0MAYA001", "jo@example.com": "U0JO00001"}
KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="


def client(fake: FakeSalesforce) -> Client:
    return Client(fake.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)


def connect(env: Env, fake: FakeSalesforce) -> None:
    admin.connect(
        env,
        WS,
        instance_url=fake.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sealer=Sealer([KEY]),
    )
    admin.set_map(env, WS, ["region=Region__c", "source=LeadSource"])


def deals(env: Env) -> dict[str, Deal]:
    with env.db.transaction() as session:
        found = session.scalars(select(Deal).where(Deal.workspace_id == WS)).all()
        session.expunge_all()
        return {d.external_id or "": d for d in found}


def test_a_first_full_sync_brings_stages_people_and_deals_with_no_map(
    env: Env, salesforce: FakeSalesforce
) -> None:
    ids = seed(salesforce)
    connect(env, salesforce)
    report = pull(env, WS, client(salesforce), SLACK.get)
    assert report.stopped is None
    with env.db.transaction() as session:
        stages = workspaces.list_stages(session, WS)
        # Salesforce's ten stages, in its order, first; every one open, won or lost as there
        assert [s.name for s in stages[:10]] == [s[0] for s in DEFAULT_STAGES]
        by_name = {s.name: s for s in stages}
        assert (by_name["Closed Won"].status, by_name["Closed Lost"].status) == ("won", "lost")
        assert by_name["Negotiation/Review"].category == "Commit"
        assert by_name["Negotiation/Review"].probability == 90
        people = {p.email: p for p in session.scalars(select(Person)).all()}
        assert people["maya@example.com"].slack_user_id == "U0MAYA001"
        assert people["ravi@example.com"].slack_user_id is None
        vera = people["vera@example.com"]
        assert people["jo@example.com"].manager_id == vera.id
        owner_of = {p.id: p.email for p in people.values()}
    found = deals(env)
    assert set(found) == {ids[k] for k in ("acme", "globex", "initech", "umbrella", "hooli")}
    acme = found[ids["acme"]]
    assert (acme.name, acme.account, acme.stage, acme.status) == (
        "Acme renewal",
        "Acme Corp",
        "Needs Analysis",
        "open",
    )
    assert acme.amount == Decimal("120000.00")
    assert found[ids["initech"]].amount == Decimal("25000.50")
    assert acme.close_date == date(2026, 12, 15)
    assert (acme.region, acme.source) == ("EMEA", "Partner")
    assert owner_of[found[ids["umbrella"]].owner_id] == "ravi@example.com"
    assert found[ids["hooli"]].status == "won"
    assert found[ids["globex"]].forecast_category == "Commit"
    status = admin.status(env, WS)
    assert status is not None
    # Vera and Ravi have no Slack account: listed, and Ravi still owns his deal
    assert status.unmatched == [
        ("Ravi Nobody", "ravi@example.com"),
        ("Vera Vice", "vera@example.com"),
    ]


def test_an_incremental_sync_reads_only_what_changed_and_follows_deletions(
    env: Env, salesforce: FakeSalesforce
) -> None:
    ids = seed(salesforce)
    connect(env, salesforce)
    org = client(salesforce)
    pull(env, WS, org, SLACK.get)
    salesforce.tick(3600)
    salesforce.edit(ids["globex"], NextStep="Send the order form")
    pull(env, WS, org, SLACK.get)
    salesforce.tick(3600)
    salesforce.edit(ids["acme"], StageName="Closed Won", Amount=130000)
    salesforce.delete(ids["initech"])
    fresh = salesforce.add_opportunity(
        Name="Stark renewal",
        OwnerId=ids["jo"],
        StageName="Qualification",
        Amount=9000,
        CloseDate="2027-02-01",
    )
    report = pull(env, WS, org, SLACK.get)
    assert report.stopped is None
    # the changed, the deleted and the new one, and the one last read (the watermark's
    # overlap, for records Salesforce committed late): nothing else is read again
    assert report.deals.rows == 4
    assert deals(env)[ids["globex"]].next_step == "Send the order form"
    assert report.deleted == 1
    found = deals(env)
    assert found[ids["initech"]].deleted_at == salesforce.org.deleted[ids["initech"]]
    assert found[fresh].name == "Stark renewal"
    acme = found[ids["acme"]]
    assert (acme.stage, acme.status, acme.amount) == ("Closed Won", "won", Decimal("130000.00"))
    with env.db.transaction() as session:
        keys = session.scalars(
            select(DealVersion.history_key).where(DealVersion.deal_id == acme.id)
        ).all()
    # both history rows of acme (created, then won) are versions, each once
    assert sorted(k for k in keys if k) == sorted(
        f"id:{h['Id']}" for h in salesforce.org.history if h["OpportunityId"] == ids["acme"]
    )


def test_a_crash_mid_sync_resumes_from_the_last_committed_page(
    env: Env, salesforce: FakeSalesforce
) -> None:
    owner = salesforce.add_user("Maya Rep", "maya@example.com")
    # eight Opportunities, ten minutes apart: the two-minute overlap holds only the last
    # record of a page, never a whole page again
    made = []
    for n in range(8):
        salesforce.tick(600)
        made.append(
            salesforce.add_opportunity(
                Name=f"Deal {n}", OwnerId=owner, StageName="Qualification", Amount=1000 + n
            )
        )
    connect(env, salesforce)
    salesforce.page_size = 3  # pages of 3, 3 and 2
    # the Opportunities' second page (after three more pages of the ten stages) drops its
    # connection, again and again: the client gives up
    salesforce.fail_next("more", DROP, times=10, after=3)
    first = pull(env, WS, client(salesforce), SLACK.get)
    assert first.stopped is not None and "UNAVAILABLE" in first.stopped
    assert set(deals(env)) == set(made[:3])  # the first page, committed with its watermark
    assert salesforce.served["Opportunity"] == 3
    salesforce._faults.clear()
    second = pull(env, WS, client(salesforce), SLACK.get)
    assert second.stopped is None
    # from the first page's last record (the overlap) on: 6 records, not the first two again
    assert salesforce.served["Opportunity"] == 3 + 6
    found = deals(env)
    assert set(found) == set(made)
    with env.db.transaction() as session:
        keys = session.scalars(
            select(DealVersion.history_key).where(DealVersion.history_key.is_not(None))
        ).all()
        total = session.scalar(select(func.count()).select_from(Deal))
    assert total == 8
    # one version per history row of the org, none twice
    assert sorted(keys) == sorted(f"id:{h['Id']}" for h in salesforce.org.history)
    assert [found[i].amount for i in made] == [Decimal(1000 + n) for n in range(8)]


def test_a_deleted_opportunity_leaves_the_pipeline_from_then_with_its_history_kept(
    env: Env, salesforce: FakeSalesforce, maya: Actor
) -> None:
    ids = seed(salesforce)
    connect(env, salesforce)
    org = client(salesforce)
    pull(env, WS, org, SLACK.get)
    salesforce.tick(3600)
    salesforce.delete(ids["umbrella"])  # EMEA, 300,000, open, closing in Q4
    deleted_at = salesforce.now
    report = pull(env, WS, org, SLACK.get)
    assert report.stopped is None and report.deleted == 1
    # Q4's open pipeline: Acme 120,000 and Umbrella 300,000 in EMEA, Globex 80,000 in NA
    before = {"EMEA": Decimal("420000.00"), "NA": Decimal("80000.00")}
    without = {"EMEA": Decimal("120000.00"), "NA": Decimal("80000.00")}
    assert open_by_region(env, WS, deleted_at - timedelta(seconds=1)) == before
    assert open_by_region(env, WS, deleted_at) == without
    umbrella = deals(env)[ids["umbrella"]]
    shown = deal.run(env, maya, f"show #{umbrella.id}")
    assert isinstance(shown, Problem)
    assert shown.message.startswith("Umbrella hub was deleted in Salesforce on 2026-11-02")
    assert isinstance(deal.run(env, maya, f"#{umbrella.id} amount=1"), Problem)
    found = deal.run(env, maya, "find Umbrella")
    assert isinstance(found, DealList) and found.deals == []
    # the same deletion read again (a full sync) changes nothing
    assert pull(env, WS, org, SLACK.get, full=True).deleted == 0
    assert open_by_region(env, WS, deleted_at) == without
    # restored from the Recycle Bin: back from then on, and absent while it was deleted
    salesforce.tick(3600)
    salesforce.undelete(ids["umbrella"])
    back_at = salesforce.now
    pull(env, WS, org, SLACK.get)
    assert open_by_region(env, WS, deleted_at - timedelta(seconds=1)) == before
    assert open_by_region(env, WS, back_at - timedelta(seconds=1)) == without
    assert open_by_region(env, WS, back_at) == before
    assert deals(env)[ids["umbrella"]].deleted_at is None
    assert isinstance(deal.run(env, maya, f"show #{umbrella.id}"), DealCard)
    # changed there afterwards: its history is laid out again, and the time it was
    # deleted stays out of the pipeline
    salesforce.tick(3600)
    salesforce.edit(ids["umbrella"], Amount=310000)
    pull(env, WS, org, SLACK.get)
    assert open_by_region(env, WS, back_at - timedelta(seconds=1)) == without
    assert open_by_region(env, WS, back_at) == before
    grown = {"EMEA": Decimal("430000.00"), "NA": Decimal("80000.00")}
    assert open_by_region(env, WS, salesforce.now) == grown


def test_an_expired_token_is_renewed_once_and_the_sync_goes_on(
    env: Env, salesforce: FakeSalesforce
) -> None:
    seed(salesforce)
    connect(env, salesforce)
    org = client(salesforce)
    pull(env, WS, org, SLACK.get)
    salesforce.expire_tokens()
    salesforce.tick(3600)
    report = pull(env, WS, org, SLACK.get)
    assert report.stopped is None
    assert salesforce.tokens_issued == 2


def test_the_sync_stops_at_the_api_limit_and_status_shows_the_calls(
    env: Env, salesforce: FakeSalesforce
) -> None:
    from commands.salesforce.sync import release

    seed(salesforce)
    connect(env, salesforce)
    salesforce.api_limit = 3  # stages, users, then the org says no more
    org = client(salesforce)
    report = pull(env, WS, org, SLACK.get)
    assert report.stopped is not None
    assert report.stopped.startswith(("REQUEST_LIMIT_EXCEEDED", "NEAR_LIMIT"))
    release(env, WS, report, org.usage())
    status = admin.status(env, WS)
    assert status is not None
    assert (status.calls_used, status.calls_limit) == (3, 3)
    assert status.last_error == report.stopped


def test_5xx_answers_are_retried_with_backoff(env: Env, salesforce: FakeSalesforce) -> None:
    seed(salesforce)
    connect(env, salesforce)
    waits: list[float] = []
    salesforce.fail_next("query", 503, "SERVER_UNAVAILABLE", times=2)
    org = Client(salesforce.url, CLIENT_ID, CLIENT_SECRET, sleep=waits.append, backoff=0.5)
    report = pull(env, WS, org, SLACK.get)
    assert report.stopped is None
    assert waits == [0.5, 1.0]
    assert len(deals(env)) == 5
