"""Two ended quarters of weekly forecast snapshots, built through the commands and the
snapshot job as a council would live them, with figures simple enough to check by hand.

2026-Q2: Jo (a rep, reporting to Sam) has Beta, Commit $50k, and calls $60k in week 1;
Beta is won at $50k. 2026-Q3: Jo has Acme, Commit $100k, calls $120k in week 1 (then
$200k later that week, after the snapshot) and $90k in week 2; Acme is won at $80k.
The clock ends in 2026-Q4, so both quarters have ended.
"""

from __future__ import annotations

from datetime import UTC, datetime

from commands import forecast
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from schedules.snapshots import snapshot_week
from store import councils as store_councils
from tests.support.clock import FakeClock

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(clock: FakeClock, *moment: int) -> None:
    clock.current = datetime(*moment, tzinfo=UTC)  # type: ignore[misc]


def build(env: Env, clock: FakeClock, maya: Actor, jo: Actor, sam: Actor) -> int:
    """The history above; returns the council's id."""
    at(clock, 2026, 4, 6, 8, 0)  # a Monday, Q2 week 1 (1 April is a Wednesday)
    created = council.run(
        env, maya, "create <#C0COUNCIL1|pipeline> dimensions=region day=mon time=09:00 tz=UTC"
    )
    assert "created" in str(created), created
    council.run(env, sam, "people")
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    deal.run(env, jo, "new Beta stage=Decision amount=50k close=2026-06-10 region=EMEA")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    forecast.run(env, jo, "60k")
    with env.db.transaction() as session:
        council_id = store_councils.councils(session, maya.workspace_id)[0].id
    at(clock, 2026, 4, 6, 9, 0)
    snapshot_week(env, council_id)
    at(clock, 2026, 6, 15, 10, 0)
    deal.run(env, jo, "Beta stage=Closed Won")

    at(clock, 2026, 7, 6, 8, 0)  # Monday, Q3 week 1
    deal.run(env, jo, "new Acme stage=Decision amount=100k close=2026-09-15 region=EMEA")
    forecast.run(env, jo, "120k")
    at(clock, 2026, 7, 6, 9, 0)
    snapshot_week(env, council_id)
    at(clock, 2026, 7, 7, 9, 0)
    forecast.run(env, jo, "200k")  # after the week's snapshot: it must not change it
    snapshot_week(env, council_id)  # a later run the same week writes nothing
    at(clock, 2026, 7, 13, 8, 0)  # Monday, Q3 week 2
    forecast.run(env, jo, "90k")
    at(clock, 2026, 7, 13, 9, 0)
    snapshot_week(env, council_id)
    at(clock, 2026, 9, 20, 10, 0)
    deal.run(env, jo, "Acme stage=Closed Won amount=80k")
    clock.current = NOW
    return council_id
