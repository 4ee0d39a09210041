"""The pacing chart's series against figures worked out by hand from SPEC section 3
(closed ACV; forecast = closed + open Commit closing in the quarter), each deal as it
stood at the end of each week."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealSaved
from commands.fiscal import quarter_containing
from commands.pacing import build_pacing
from tests.support.clock import FakeClock

K = Decimal(1000)


def at(clock: FakeClock, when: str) -> None:
    clock.current = datetime.fromisoformat(when).replace(tzinfo=UTC)


def do(env: Env, actor: Actor, text: str) -> None:
    assert isinstance(deal.run(env, actor, text), DealSaved), text


def test_closed_and_forecast_at_each_week_end_this_year_and_last(
    env: Env, maya: Actor, clock: FakeClock
):
    # 2025-Q4 starts on Wednesday 1 October: its weeks end on 7, 14, ... October.
    at(clock, "2025-10-03T09:00")
    do(env, maya, "new Q amount=60k close=2025-11-20 category=Commit")
    at(clock, "2025-10-12T09:00")
    do(env, maya, "new P amount=40k close=2025-10-12 stage=won")
    at(clock, "2025-11-20T09:00")
    do(env, maya, "Q stage=won")
    # 2026-Q4 starts on Thursday 1 October.
    at(clock, "2026-10-02T09:00")
    do(env, maya, "new A amount=100k close=2026-12-15 category=Commit")
    at(clock, "2026-10-09T09:00")
    do(env, maya, "A category=Pipeline")  # out of the forecast from week 2
    do(env, maya, "new B amount=30k close=2026-10-09 stage=won")
    do(env, maya, "new C amount=5k close=2027-01-05 category=Commit")  # next quarter
    at(clock, "2026-10-20T11:00")
    do(env, maya, "new D amount=20k close=2026-10-20 stage=won")
    now = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    period = quarter_containing(now.date())
    with env.db.transaction() as session:
        pacing = build_pacing(
            session, maya.workspace_id, ZoneInfo("UTC"), period, now, 500 * K, "$"
        )
    # This year: the ends of weeks 1 and 2, then the as-of moment, 19.5 days in.
    assert [(p.week, p.closed, p.forecast) for p in pacing.this_year] == [
        (1.0, 0, 100 * K),  # A in Commit
        (2.0, 30 * K, 30 * K),  # B won; A out of Commit
        (round(19.5 / 7, 3), 50 * K, 50 * K),  # D won today
    ]
    # Last year, every week of 2025-Q4 (92 days: 13 full weeks and the 31st).
    last = [(p.week, p.closed, p.forecast) for p in pacing.last_year]
    assert len(last) == 14 and last[-1][0] == round(92 / 7, 3)
    assert last[0] == (1.0, 0, 60 * K)  # Q in Commit
    assert last[1:7] == [(w, 40 * K, 100 * K) for w in (2.0, 3.0, 4.0, 5.0, 6.0, 7.0)]
    assert all(p[1:] == (100 * K, 100 * K) for p in last[7:])  # Q won on 20 November
    assert pacing.target == 500 * K and pacing.prior.label == "2025-Q4"
