"""OpportunityFieldHistory in the versions: a deal moved from one region to another at a
moment counts in the old region before it and in the new one from it, whether the move
was pulled after the first sync or before it, and whichever of its history rows came
first; the same rows pulled again change nothing; an org whose user may not read the
object syncs the rest and says so. Against the fake org over HTTP, on SQLite and
PostgreSQL; the figures are worked out by hand from the seed below."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.salesforce.client import Client
from commands.context import Env
from commands.salesforce import admin
from commands.salesforce import sync as sf_sync
from commands.salesforce.sync import pull
from store.models import Deal, DealVersion, Person
from store.sealed import Sealer
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed
from tests.support.salesforce_figures import open_by_region

WS, WS2 = "T0TEST001", "T0TEST002"
KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="
SLACK = {"maya@example.com": "U0MAYA001"}.get


def connect(env: Env, fake: FakeSalesforce, workspace: str = WS) -> Client:
    admin.connect(
        env,
        workspace,
        instance_url=fake.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sealer=Sealer([KEY]),
    )
    admin.set_map(env, workspace, ["region=Region__c"])
    return Client(fake.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)


# The seed's open Q4 deals: Acme 120,000 and Umbrella 300,000 in EMEA, Globex 80,000 in NA
# (Initech closes in 2027, Hooli is won).
BEFORE = {"EMEA": Decimal("420000.00"), "NA": Decimal("80000.00")}
# Acme (120,000) moved to NA
AFTER = {"EMEA": Decimal("300000.00"), "NA": Decimal("200000.00")}


def versions(env: Env, workspace: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every deal's versions as they read: when, region, stage, amount, owner, next step."""
    with env.db.transaction() as session:
        rows = session.execute(
            select(
                Deal.external_id,
                DealVersion.valid_from,
                DealVersion.valid_to,
                DealVersion.region,
                DealVersion.stage,
                DealVersion.amount,
                Person.email,
                DealVersion.next_step,
            )
            .join(Deal, Deal.id == DealVersion.deal_id)
            .join(Person, Person.id == DealVersion.owner_id)
            .where(Deal.workspace_id == workspace)
            .order_by(Deal.external_id, DealVersion.valid_from, DealVersion.version)
        ).all()
    found: dict[str, list[tuple[Any, ...]]] = {}
    for external_id, *rest in rows:
        found.setdefault(external_id, []).append(tuple(rest))
    return found


def live(found: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The versions valid for some time (those of one moment are never any deal's state)."""
    return {k: [v for v in vs if v[1] is None or v[1] > v[0]] for k, vs in found.items()}


def test_a_region_move_counts_in_the_old_region_before_it_and_the_new_one_after(
    env: Env, salesforce: FakeSalesforce
) -> None:
    salesforce.org.tracked = {"Region__c", "Owner", "NextStep"}
    ids = seed(salesforce)
    org = connect(env, salesforce)
    first = pull(env, WS, org, SLACK)
    assert first.stopped is None and first.notes == []
    salesforce.tick(3600)
    salesforce.edit(ids["acme"], Region__c="NA")
    moved_at = salesforce.now
    # a later edit: the Opportunity's LastModifiedDate is no longer the move's moment
    salesforce.tick(3600)
    salesforce.edit(ids["acme"], NextStep="Send the order form")
    second = pull(env, WS, org, SLACK)
    assert second.stopped is None
    assert second.field_history.changed == 2  # the region, then the next step
    assert open_by_region(env, WS, moved_at - timedelta(seconds=1)) == BEFORE
    assert open_by_region(env, WS, moved_at) == AFTER
    assert open_by_region(env, WS, salesforce.now - timedelta(seconds=1)) == AFTER
    assert open_by_region(env, WS, salesforce.now) == AFTER
    # the same rows again, and every row again: nothing changes
    kept = versions(env, WS)
    again = pull(env, WS, org, SLACK)
    assert (again.field_history.changed, again.history.changed) == (0, 0)
    pull(env, WS, org, SLACK, full=True)
    assert versions(env, WS) == kept


def test_a_move_before_the_first_sync_is_read_back_and_the_order_of_rows_does_not_matter(
    env: Env, salesforce: FakeSalesforce
) -> None:
    salesforce.org.tracked = {"Region__c", "Owner", "NextStep"}
    ids = seed(salesforce)
    salesforce.tick(3600)
    salesforce.edit(ids["acme"], Region__c="NA", OwnerId=ids["jo"], NextStep="Call the CFO")
    moved_at = salesforce.now
    # one workspace pulls as the sync does: Opportunities, their history, field history
    org = connect(env, salesforce)
    assert pull(env, WS, org, SLACK).stopped is None
    # another reads the field history before OpportunityHistory
    other = connect(env, salesforce, WS2)
    report = sf_sync.SyncReport(WS2)
    sf_sync._stages(env, WS2, other, report)
    sf_sync._users(env, WS2, other, SLACK, report, full=False)
    sf_sync._opportunities(env, WS2, other, report, full=False)
    sf_sync._field_history(env, WS2, other, report, full=False)
    sf_sync._history(env, WS2, other, report, full=False)
    assert report.field_history.changed == 3  # region, owner, next step (not the names row)
    for workspace in (WS, WS2):
        assert open_by_region(env, workspace, moved_at - timedelta(seconds=1)) == BEFORE
        assert open_by_region(env, workspace, moved_at) == AFTER
    ours, theirs = versions(env, WS), versions(env, WS2)
    assert live(ours) == live(theirs)
    acme = [(v[0], v[2], v[5], v[6]) for v in live(ours)[ids["acme"]]]
    created = acme[0][0]
    assert acme == [
        (created, "EMEA", "maya@example.com", None),
        (moved_at, "NA", "jo@example.com", "Call the CFO"),
    ]


def test_an_org_that_tracks_nothing_or_hides_the_object_syncs_the_rest(
    env: Env, salesforce: FakeSalesforce
) -> None:
    ids = seed(salesforce)  # no field is tracked: the object answers no rows
    org = connect(env, salesforce)
    report = pull(env, WS, org, SLACK)
    assert report.stopped is None and report.field_history.rows == 0
    salesforce.field_history_queryable = False
    salesforce.tick(3600)
    salesforce.edit(ids["acme"], Amount=125000)
    report = pull(env, WS, org, SLACK)
    assert report.stopped is None
    assert report.notes and "OpportunityFieldHistory is not readable" in report.notes[0]
    with env.db.transaction() as session:
        acme = session.scalar(select(Deal).where(Deal.external_id == ids["acme"]))
        assert acme is not None and acme.amount == Decimal("125000.00")
    status = admin.status(env, WS)
    assert status is not None
    (state,) = [s for s in status.objects if s.sobject == "OpportunityFieldHistory"]
    assert state.error is not None and "is not readable" in state.error
