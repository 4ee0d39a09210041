"""The pacing series at the edges: a version counts at a moment from the instant it was
made (`valid_from <= t`) until the instant it was replaced (`t < valid_to`), and a won deal
from the first moment whose cutoff is past its close date (SPEC section 3). PostgreSQL
finds these runs with `width_bucket`, SQLite by bisection: both must agree with this."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealSaved
from store.pacing import Pace, pace_at
from tests.support.clock import FakeClock

T1 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
T3 = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)


def do(env: Env, actor: Actor, clock: FakeClock, when: datetime, text: str) -> None:
    clock.current = when
    assert isinstance(deal.run(env, actor, text), DealSaved), text


def test_a_version_counts_from_the_instant_it_was_made_until_the_one_it_was_replaced(
    env: Env, maya: Actor, clock: FakeClock
):
    do(env, maya, clock, T1, "new A amount=10k close=2026-11-01 category=Commit")
    do(env, maya, clock, T1, "new W amount=7k close=2026-10-05 stage=won")
    do(env, maya, clock, T2, "A category=Pipeline")
    do(env, maya, clock, T2, "new B amount=3k close=2026-11-02 category=Commit")
    do(env, maya, clock, T3, "B amount=4k")
    # The first date not yet reached at each moment.
    cutoffs = [date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)]
    with env.db.transaction() as session:
        paces = pace_at(
            session, maya.workspace_id, date(2026, 10, 1), date(2027, 1, 1), [T1, T2, T3], cutoffs
        )
    k = Decimal(1000)
    assert paces == [
        # A in Commit from T1 itself; W closed on the 5th, not before the cutoff of the 5th.
        Pace(Decimal(0), 10 * k),
        # A left Commit at T2 itself; B joined at T2; W's close date is before the 6th.
        Pace(7 * k, 3 * k),
        # B's second version from T3 itself.
        Pace(7 * k, 4 * k),
    ]
