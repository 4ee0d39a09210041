"""COPY-loaded deals read back exactly as the states they were given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from store import bulk
from store.db import Database
from store.deals import NewDeal
from store.models import Deal, DealVersion
from tests.store.test_deals import T0, setup_workspace, state


def test_copied_deals_and_versions_hold_their_states_exactly(database: Database):
    owner = setup_workspace(database)
    later = T0 + timedelta(days=3, hours=5)
    first = state(owner, amount=Decimal("1234.56"), category_is_explicit=False)
    second = first | {"stage": "Won", "status": "won", "amount": Decimal("0.07")}
    new = [
        NewDeal("X-1", [(T0, first), (later, second)], owner, "generator"),
        NewDeal("X-2", [(T0, first | {"name": "Globex", "amount": None})], None, "generator"),
    ]
    with database.transaction() as session:
        ids = bulk.copy_deals(session, "T1", new)
    with database.transaction() as session:
        deals = {d.external_id: d for d in session.scalars(select(Deal))}
        versions = list(session.scalars(select(DealVersion).order_by(DealVersion.id)))
    assert [deals["X-1"].id, deals["X-2"].id] == ids
    one = deals["X-1"]
    assert (one.version, one.stage, one.amount) == (2, "Won", Decimal("0.07"))
    assert one.updated_at == later
    assert one.updated_at.tzinfo is not None and one.updated_by_id == owner
    assert deals["X-2"].amount is None and deals["X-2"].updated_by_id is None
    assert [(v.deal_id, v.version) for v in versions] == [(ids[0], 1), (ids[0], 2), (ids[1], 1)]
    v1, v2, _ = versions
    assert (v1.valid_from, v1.valid_to, v2.valid_from, v2.valid_to) == (T0, later, later, None)
    assert v1.amount == Decimal("1234.56") and v1.close_date == date(2026, 3, 31)
    assert v1.changes == {}
    # The second version says what changed, as a JSON document: old and new values.
    assert v2.changes == {
        "stage": ["Open", "Won"],
        "status": ["open", "won"],
        "amount": ["1234.56", "0.07"],
    }
    assert v2.valid_from == datetime(2026, 1, 8, 14, 0, tzinfo=UTC)
