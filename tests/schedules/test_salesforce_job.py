"""The clock's Salesforce job: claimed per workspace, so several clocks sync once."""

from __future__ import annotations

import threading

from bot.salesforce.client import Client
from commands.context import Env
from commands.salesforce import admin
from commands.salesforce.sync import claim
from schedules.salesforce import SyncRun, sync_all, sync_workspace
from store.sealed import Sealer
from tests.support.clock import FakeClock
from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, seed

WS = "T0TEST001"
KEY = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="


def connected(env: Env, fake: FakeSalesforce) -> None:
    admin.connect(
        env,
        WS,
        instance_url=fake.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        sealer=Sealer([KEY]),
    )


def org(fake: FakeSalesforce) -> Client:
    return Client(fake.url, CLIENT_ID, CLIENT_SECRET, sleep=lambda _s: None)


def test_two_clocks_at_once_sync_once(env: Env, salesforce: FakeSalesforce) -> None:
    seed(salesforce)
    connected(env, salesforce)
    runs: list[SyncRun | None] = []
    start = threading.Barrier(2)

    def clock() -> None:
        start.wait()
        runs.append(sync_workspace(env, WS, org(salesforce), None))

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(run is None for run in runs) == [False, True]
    # one pull of the Opportunities, not two
    queried = [p for m, p in salesforce.calls if "FROM+Opportunity+" in p]
    assert len(queried) == 1


def test_the_interval_job_waits_its_minutes_between_syncs(
    env: Env, clock: FakeClock, salesforce: FakeSalesforce
) -> None:
    from datetime import timedelta

    seed(salesforce)
    connected(env, salesforce)
    every = timedelta(minutes=5)
    sync_all(env, lambda _ws: org(salesforce), lambda _ws: None, every)  # type: ignore[arg-type,return-value]
    assert not claim(env, WS, every=every)  # another clock right after: not yet
    clock.advance(minutes=5)
    assert claim(env, WS, every=every)
