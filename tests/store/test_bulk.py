"""store/bulk.py writes what an ORM insert writes, and fails as SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DataError

from store import deals
from store.db import Database
from store.models import Deal, DealVersion, DimensionValue
from tests.store.test_deals import setup_workspace, state

PARIS = timezone(timedelta(hours=1))


def test_bulk_deals_read_back_as_written(database: Database):
    owner = setup_workspace(database)
    opened = datetime(2026, 1, 5, 10, 30, 15, 123456, tzinfo=PARIS)
    closed = datetime(2026, 2, 1, tzinfo=UTC)
    won = {**state(owner, stage="Won", status="won"), "amount": Decimal("1234567.89")}
    won |= {"close_date": date(2026, 2, 1), "category_is_explicit": True}
    new = [
        deals.NewDeal("A", [(opened, state(owner)), (closed, won)], None, "import", closed),
        deals.NewDeal("B", [(opened, state(owner, name="Ünïcode ✓"))], owner, "import"),
    ]
    with database.transaction() as session:
        ids = deals.insert_deals(session, "T1", new)
    with database.transaction() as session:
        a, b = (session.get(Deal, i) for i in ids)
        assert a is not None and b is not None
        assert (a.external_id, a.amount, a.status, a.version) == ("A", won["amount"], "won", 2)
        assert a.crm_modified_at == closed and a.category_is_explicit is True
        assert (b.name, b.updated_by_id, b.updated_at) == ("Ünïcode ✓", owner, opened)
        versions = session.scalars(
            select(DealVersion).where(DealVersion.deal_id == a.id).order_by(DealVersion.version)
        ).all()
    assert [(v.valid_from, v.valid_to) for v in versions] == [(opened, closed), (closed, None)]
    assert versions[0].valid_from.tzinfo is not None
    assert versions[1].changes["amount"] == ["0.10", "1234567.89"]  # JSON, not a string
    assert versions[1].changes["stage"] == ["Open", "Won"]


def test_a_value_the_store_refuses_raises_sqlalchemys_error(database: Database):
    setup_workspace(database)
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps a string of any length")
    from store import bulk

    row = {"workspace_id": "T1", "dimension": "product", "value": "x" * 300}
    with pytest.raises(DataError), database.transaction() as session:
        bulk.insert_rows(session, DimensionValue.__table__, [row])  # type: ignore[arg-type]


def test_batches_after_one_another_keep_each_deal_with_its_own_versions(database: Database):
    owner = setup_workspace(database)
    opened = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with database.transaction() as session:  # a deal made the ORM's way first
        deals.create_deal(session, "T1", state(owner), by=None, source="bot", at=opened)
    made: dict[str, tuple[Decimal, Decimal]] = {}
    for batch in range(3):
        new = []
        for n in range(4):
            first, last = Decimal(f"{batch}.{n}1"), Decimal(f"{batch}{n}.99")
            later = opened + timedelta(days=n + 1)  # the same moments in every batch
            states = [(opened, state(owner, amount=first)), (later, state(owner, amount=last))]
            new.append(deals.NewDeal(f"B{batch}-{n}", states, None, "import"))
            made[f"B{batch}-{n}"] = (first, last)
        with database.transaction() as session:
            deals.insert_deals(session, "T1", new)
    with database.transaction() as session:
        rows = session.execute(
            select(Deal.external_id, Deal.amount, DealVersion.version, DealVersion.amount)
            .join(DealVersion, DealVersion.deal_id == Deal.id)
            .where(Deal.external_id.is_not(None))
            .order_by(Deal.external_id, DealVersion.version)
        ).all()
    found: dict[str, list[Decimal]] = {}
    for external_id, amount, _version, version_amount in rows:
        assert amount == made[external_id][1]  # the deal as its last version
        found.setdefault(external_id, []).append(version_amount)
    assert found == {key: list(amounts) for key, amounts in made.items()}


def test_a_copy_has_its_own_bound_and_the_usual_one_comes_back(database: Database):
    setup_workspace(database)
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite bounds no statement")
    from store import bulk

    rows = [{"workspace_id": "T1", "dimension": "product", "value": f"P{n}"} for n in range(3)]
    with database.transaction() as session:
        usual = session.execute(text("SHOW statement_timeout")).scalar_one()
        bulk.insert_rows(session, DimensionValue.__table__, rows)  # type: ignore[arg-type]
        after = session.execute(text("SHOW statement_timeout")).scalar_one()
        values = session.scalars(select(DimensionValue.value).order_by(DimensionValue.value))
        assert list(values) == ["P0", "P1", "P2"]
    assert usual == after == f"{bulk.STATEMENT_SECONDS}s"
