"""A week's pipeline movements, computed in SQL from the versions, checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from commands.context import Actor, Env
from commands.deals import command as deal
from store.metrics import Movement, changes_by_dimensions
from tests.support.clock import FakeClock


def test_each_kind_of_move_is_counted_once_under_the_deals_current_value(
    env: Env, maya: Actor, clock: FakeClock
):
    clock.current = datetime(2026, 11, 16, 9, tzinfo=UTC)  # before the week began
    for text in (
        "new A stage=Decision amount=100k close=2026-12-10 region=EMEA",
        "new B stage=Decision amount=80k close=2026-12-15 region=EMEA",
        "new C stage=Decision amount=40k close=2027-02-01 region=AMER",
        "new D stage=Decision amount=30k close=2026-12-05 region=AMER",
        "new E stage=Decision amount=50k close=2026-12-01 region=EMEA",
        "new F stage=Decision amount=20k close=2026-12-02 region=AMER",
        "new H stage=Decision amount=5k close=2027-03-01 region=AMER",  # never in Q4
    ):
        deal.run(env, maya, text)
    clock.current = datetime(2026, 11, 18, 12, tzinfo=UTC)
    for text in (
        "A amount=150k",
        "B amount=60k",
        "C close=2026-12-20",
        "D close=2027-01-15",
        'E stage="Closed Won"',
        'F stage="Closed Lost"',
        "new G stage=Decision amount=10k close=2026-12-12 region=EMEA",
    ):
        deal.run(env, maya, text)
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)
    with env.db.transaction() as session:
        moves = changes_by_dimensions(
            session,
            "T0TEST001",
            ["region", "segment"],
            now - timedelta(days=7),
            now,
            date(2026, 10, 1),
            date(2027, 1, 1),
        )
    k = Decimal(1000)
    assert moves["region"] == {
        "EMEA": {
            "new": Movement(1, 10 * k),
            "won": Movement(1, 50 * k),
            "grown": Movement(1, 50 * k),
            "shrunk": Movement(1, 20 * k),
        },
        "AMER": {
            "pulled_in": Movement(1, 40 * k),
            "pushed_out": Movement(1, 30 * k),
            "lost": Movement(1, 20 * k),
        },
    }
    # The same moves, under the one segment every deal has (none).
    assert {kind: m.count for kind, m in moves["segment"][None].items()} == {
        "new": 1,
        "pulled_in": 1,
        "pushed_out": 1,
        "won": 1,
        "lost": 1,
        "grown": 1,
        "shrunk": 1,
    }


def test_only_what_changed_after_the_weeks_start_moves_and_each_deal_once(
    env: Env, maya: Actor, clock: FakeClock
):
    then = datetime(2026, 11, 16, 15, tzinfo=UTC)
    now = then + timedelta(days=7)
    clock.current = then - timedelta(days=3)
    deal.run(env, maya, "new A amount=100k close=2026-12-10 region=EMEA")
    deal.run(env, maya, "new B amount=80k close=2026-12-15 region=EMEA")
    clock.current = then  # in force at the week's start itself: no move
    deal.run(env, maya, "B amount=90k")
    clock.current = then + timedelta(days=1)
    deal.run(env, maya, "A amount=120k")
    clock.current = then + timedelta(days=2)
    deal.run(env, maya, "A amount=150k")  # twice in the week: one move, the whole change
    clock.current = now  # made at the moment asked about: counts
    deal.run(env, maya, "new C amount=7k close=2026-12-01 region=EMEA")
    with env.db.transaction() as session:
        moves = changes_by_dimensions(
            session, "T0TEST001", ["region"], then, now, date(2026, 10, 1), date(2027, 1, 1)
        )
    k = Decimal(1000)
    assert moves["region"] == {"EMEA": {"grown": Movement(1, 50 * k), "new": Movement(1, 7 * k)}}
