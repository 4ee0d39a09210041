from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from store import deals, keys, people, workspaces
from store.db import Database
from store.models import Deal, DealVersion
from store.workspaces import StageSpec

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = [StageSpec("Open", "Pipeline", 10, "open"), StageSpec("Won", "Closed", 100, "won")]


def setup_workspace(database: Database, workspace_id: str = "T1") -> int:
    with database.transaction() as session:
        workspaces.create_workspace(
            session, workspace_id, name="t", stages=STAGES, dimension_values={}, now=T0
        )
        return people.add_person(
            session, workspace_id, display_name="rep", slack_user_id="U1", role="rep", now=T0
        ).id


def state(owner: int, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "Acme",
        "account": None,
        "owner_id": owner,
        "product": None,
        "region": None,
        "segment": None,
        "source": None,
        "stage": "Open",
        "status": "open",
        "amount": Decimal("0.10"),
        "close_date": date(2026, 3, 31),
        "created_date": date(2026, 1, 5),
        "next_step": None,
        "forecast_category": "Pipeline",
    }
    return base | overrides


def test_money_sums_exactly_in_sql(database: Database):
    owner = setup_workspace(database)
    with database.transaction() as session:
        for _ in range(10):
            deals.create_deal(session, "T1", state(owner), by=owner, source="test", at=T0)
    with database.transaction() as session:
        cents = session.scalar(select(func.sum(text("amount"))).select_from(Deal))
        amounts = session.scalars(select(Deal.amount)).all()
    assert cents == 100  # ten times 0.10 is exactly one unit, as integer cents
    assert all(a == Decimal("0.10") for a in amounts)


def test_datetimes_come_back_aware_and_utc(database: Database):
    owner = setup_workspace(database)
    paris = T0.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    with database.transaction() as session:
        deal = deals.create_deal(session, "T1", state(owner), by=owner, source="t", at=paris)
        deal_id = deal.id
    with database.transaction() as session:
        stored = deals.get_deal(session, "T1", deal_id)
        assert stored is not None
        assert stored.updated_at == T0 and stored.updated_at.tzinfo == UTC


def test_naive_datetimes_are_refused(database: Database):
    owner = setup_workspace(database)
    with pytest.raises(Exception, match="naive datetime"), database.transaction() as session:
        deals.create_deal(
            session, "T1", state(owner), by=owner, source="t", at=datetime(2026, 1, 1)
        )


def test_versions_answer_what_a_deal_looked_like_at_any_time(database: Database):
    owner = setup_workspace(database)
    with database.transaction() as session:
        deal = deals.create_deal(session, "T1", state(owner), by=owner, source="t", at=T0)
        changes = deals.change_deal(
            session,
            deal,
            {"amount": Decimal("5"), "stage": "Won", "status": "won"},
            by=owner,
            source="t",
            at=T0 + timedelta(days=10),
        )
        assert changes == {
            "stage": ["Open", "Won"],
            "status": ["open", "won"],
            "amount": ["0.10", "5.00"],
        }
        assert (
            deals.change_deal(
                session,
                deal,
                {"amount": Decimal("5.00")},
                by=owner,
                source="t",
                at=T0 + timedelta(days=11),
            )
            == {}
        )

    def as_of(moment: datetime) -> list[tuple[str, Decimal]]:
        with database.transaction() as session:
            rows = session.scalars(deals.versions_as_of("T1", moment)).all()
            return [(r.stage, r.amount) for r in rows]

    assert as_of(T0 - timedelta(seconds=1)) == []
    assert as_of(T0) == [("Open", Decimal("0.10"))]
    assert as_of(T0 + timedelta(days=10) - timedelta(microseconds=1)) == [("Open", Decimal("0.10"))]
    assert as_of(T0 + timedelta(days=10)) == [("Won", Decimal("5.00"))]
    assert as_of(T0 + timedelta(days=400)) == [("Won", Decimal("5.00"))]
    assert as_of(T0) == [("Open", Decimal("0.10"))]
    with database.transaction() as other:
        assert other.scalars(deals.versions_as_of("T2", T0 + timedelta(days=1))).all() == []


def test_a_change_never_starts_before_the_version_it_replaces(database: Database):
    owner = setup_workspace(database)
    with database.transaction() as session:
        deal = deals.create_deal(session, "T1", state(owner), by=owner, source="t", at=T0)
        deals.change_deal(
            session, deal, {"name": "B"}, by=owner, source="t", at=T0 - timedelta(hours=1)
        )
    with database.transaction() as session:
        first, second = session.scalars(select(DealVersion).order_by(DealVersion.version)).all()
    assert first.valid_to == second.valid_from == T0


def test_a_key_is_claimed_once_even_by_concurrent_transactions(database: Database):
    setup_workspace(database)
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        try:
            with database.transaction() as session:
                results.append(keys.claim(session, "T1", "event:Ev1", T0))
        except Exception:  # the loser of a race may fail at commit: that is a refusal too
            results.append(False)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_rolled_back_claim_can_be_claimed_again(database: Database):
    setup_workspace(database)
    with pytest.raises(RuntimeError), database.transaction() as session:
        assert keys.claim(session, "T1", "k", T0)
        raise RuntimeError("the effect failed")
    with database.transaction() as session:
        assert keys.claim(session, "T1", "k", T0)
        assert not keys.claim(session, "T1", "k", T0)


def test_team_is_everyone_below_a_manager(database: Database):
    setup_workspace(database)
    with database.transaction() as session:

        def add(name: str, boss: int | None) -> int:
            return people.add_person(
                session,
                "T1",
                display_name=name,
                slack_user_id=None,
                role="rep",
                now=T0,
                manager_id=boss,
            ).id

        vp = add("vp", None)
        lead = add("lead", vp)
        rep = add("rep", lead)
        other = add("other", None)
        assert people.team_ids(session, "T1", vp) == {lead, rep}
        assert people.team_ids(session, "T1", lead) == {rep}
        assert people.team_ids(session, "T1", other) == set()


def test_an_ended_deal_keeps_its_past_and_is_in_no_list_until_restored(database: Database):
    owner = setup_workspace(database)
    gone_at, back_at = T0 + timedelta(days=3), T0 + timedelta(days=5)
    with database.transaction() as session:
        deal = deals.create_deal(session, "T1", state(owner), by=owner, source="test", at=T0)
        other = state(owner, name="Acme two")
        deals.create_deal(session, "T1", other, by=owner, source="test", at=T0)
        deals.end_deal(session, deal, gone_at)
        deal_id = deal.id

    def listed(session: Session) -> list[list[str]]:
        found = [
            deals.deals_named(session, "T1", "Acme"),
            deals.deals_matching(session, "T1", ["acme"]),
            deals.deals_owned_by(session, "T1", [owner]),
            deals.deals_closing(session, "T1", date(2026, 1, 1), date(2026, 4, 1), ["Pipeline"]),
        ]
        return [sorted(d.name for d in f) for f in found]

    def as_of(session: Session, at: datetime) -> list[int]:
        query = deals.versions_as_of("T1", at).where(DealVersion.deal_id == deal_id)
        return [v.deal_id for v in session.scalars(query)]

    with database.transaction() as session:
        assert listed(session) == [[], ["Acme two"], ["Acme two"], ["Acme two"]]
        assert as_of(session, gone_at - timedelta(seconds=1)) == [deal_id]
        assert as_of(session, gone_at) == []
        ended = deals.get_deal(session, "T1", deal_id)  # still there, to say it was deleted
        assert ended is not None and ended.deleted_at == gone_at
        deals.restore_deal(session, ended, back_at, "test")
    with database.transaction() as session:
        both = ["Acme", "Acme two"]
        assert listed(session) == [["Acme"], both, both, both]
        assert as_of(session, back_at - timedelta(seconds=1)) == []
        assert as_of(session, back_at) == [deal_id]


def test_statistics_are_refreshed_without_an_ordinary_statements_bound(database: Database):
    setup_workspace(database)
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite bounds no statement")
    with database.transaction() as session:
        deals.refresh_statistics(session)  # a busy server may take longer than 6 s
        assert session.execute(text("SHOW statement_timeout")).scalar_one() == "0"
    with database.transaction() as session:  # the bound is back for the next transaction
        assert session.execute(text("SHOW statement_timeout")).scalar_one() == "6s"
