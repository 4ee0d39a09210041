"""The weekly forecast snapshot: taken at the digest time, once per workspace and week
whatever clocks, councils and retries race for it, and never rewritten."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from commands import forecast
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from schedules.digests import deliver_safely
from schedules.snapshots import snapshot_week
from store import councils as store_councils
from store.models import ForecastSnapshot, Person
from tests.support.clock import FakeClock


def councils(env: Env, maya: Actor) -> list[int]:
    for name in ("pipeline", "emea"):
        created = council.run(
            env, maya, f"create <#C0{name.upper():0<9}|{name}> day=mon time=09:00 tz=UTC"
        )
        assert "created" in str(created), created
    with env.db.transaction() as session:
        return [c.id for c in store_councils.councils(session, maya.workspace_id)]


def rows(env: Env) -> list[tuple[str, int, str, str, Decimal | None, Decimal]]:
    with env.db.transaction() as session:
        found = session.execute(
            select(
                ForecastSnapshot.period,
                ForecastSnapshot.week,
                ForecastSnapshot.dimension,
                ForecastSnapshot.value,
                ForecastSnapshot.call,
                ForecastSnapshot.calculated,
            ).order_by(ForecastSnapshot.dimension, ForecastSnapshot.value)
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


def test_racing_clocks_and_councils_take_one_snapshot(
    env: Env, clock: FakeClock, maya: Actor, jo: Actor
):
    clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday of week 8 of Q4
    ids = councils(env, maya)
    deal.run(env, jo, "new Acme stage=Decision amount=100k close=2026-12-10 region=EMEA")
    forecast.run(env, maya, "region EMEA 150k")
    assert snapshot_week(env, ids[0]) is None  # before the meeting time: nothing
    clock.current = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    start = threading.Barrier(6)

    def race(council_id: int) -> None:
        start.wait()
        snapshot_week(env, council_id)

    threads = [threading.Thread(target=race, args=(ids[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = rows(env)
    # Week 8: 23 November is day 53 of the quarter (from 1 October), 53 // 7 + 1.
    # Maya's and Jo's books, the total and the called EMEA cell, once each.
    with env.db.transaction() as session:
        ids_by_name = {p.display_name: str(p.id) for p in session.scalars(select(Person))}
    hundred = Decimal("100000.00")
    assert taken == sorted(
        [
            ("2026-Q4", 8, "owner", ids_by_name["jo"], None, hundred),
            # Maya's book: an admin has no reports here, so only her own (no) deals.
            ("2026-Q4", 8, "owner", ids_by_name["maya"], None, Decimal("0.00")),
            ("2026-Q4", 8, "region", "EMEA", Decimal("150000.00"), hundred),
            ("2026-Q4", 8, "total", "", None, hundred),
        ],
        key=lambda r: (r[2], r[3]),
    )
    # A later call, and the scheduled digest's own snapshot, change nothing this week.
    clock.advance(hours=1)
    forecast.run(env, maya, "region EMEA 10k")
    deliver_safely(env, lambda _w: (_ for _ in ()).throw(RuntimeError("no Slack")), ids[1])
    assert rows(env) == taken
    # Next week's meeting takes the next week's snapshot.
    clock.current = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    snapshot_week(env, ids[1])
    with env.db.transaction() as session:
        weeks = session.execute(
            select(ForecastSnapshot.week, func.count()).group_by(ForecastSnapshot.week)
        ).all()
    assert sorted(weeks) == [(8, 4), (9, 4)]
