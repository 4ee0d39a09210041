"""The Salesforce sync against the fake org: a first sync of N Opportunities with 5 history
rows each, then an incremental sync after 1,000 of them change.

    python -m bench.salesforce_bench [--opportunities 100000] [--store sqlite|postgresql]
        [--field-history]

With `--field-history` the org tracks NextStep, so each of the 1,000 changes also leaves an
OpportunityFieldHistory row for the incremental sync to lay into the deal's versions.

The fake runs in a child process (its memory is not the sync's). Each size runs in a
fresh process so its peak RSS is its own. The floor is reading every page of the same
queries from the fake with the same client and storing nothing, in the same run: the
sync's time over it is what storing costs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, func, select, text

POSTGRES_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HISTORY_PER = 5
CHANGES = 1000


def _org(fake: Any, opportunities: int, seed: int = 11) -> list[str]:
    """Users, and Opportunities each with HISTORY_PER history rows, straight into the fake."""
    from tests.support.fake_salesforce import sf_time

    rng = random.Random(seed)
    owners = [fake.add_user(f"Rep {i:03d}", f"rep{i:03d}@example.com") for i in range(200)]
    stages = [s["MasterLabel"] for s in fake.org.stages]
    opens = stages[:8]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = []
    moment = start
    for i in range(opportunities):
        opp_id = f"006{i:015d}"
        created = start + timedelta(days=rng.randint(0, 700))
        final = rng.choice(stages)
        amount = rng.randint(5, 500) * 1000
        close = (created + timedelta(days=rng.randint(20, 200))).date().isoformat()
        steps = [*sorted(rng.sample(opens, HISTORY_PER - 1), key=opens.index), final]
        for n, stage in enumerate(steps):
            moment += timedelta(seconds=1)
            fake.org.history.append(
                {
                    "Id": f"008{i:010d}{n:05d}",
                    "OpportunityId": opp_id,
                    "StageName": stage,
                    "Amount": amount,
                    "CloseDate": close,
                    "ForecastCategory": fake._category(stage),
                    "CreatedDate": sf_time(created + timedelta(days=n * 5)),
                    "SystemModstamp": sf_time(moment),
                }
            )
        fake.org.opportunities[opp_id] = {
            "Id": opp_id,
            "Name": f"Deal {i:06d}",
            "Account": {"Name": f"Account {i % 5000:04d}"},
            "OwnerId": owners[i % len(owners)],
            "StageName": final,
            "Amount": amount,
            "CloseDate": close,
            "NextStep": None,
            "ForecastCategoryName": fake._category(final),
            "CreatedDate": sf_time(created),
            "LastModifiedDate": sf_time(moment),
            "SystemModstamp": sf_time(moment),
            "LastModifiedById": owners[0],
            "IsDeleted": False,
            "Region__c": ["EMEA", "NA", "APAC", "LATAM"][i % 4],
        }
        ids.append(opp_id)
    fake.now = max(fake.now, moment)
    return ids


def _serve(opportunities: int, conn: Any, tracked: bool) -> None:
    from tests.support.fake_salesforce import FakeSalesforce

    fake = FakeSalesforce(api_limit=10_000_000).start()
    ids = _org(fake, opportunities)
    conn.send(fake.url)
    while True:
        order = conn.recv()
        if order == "change":
            fake.tick(3600)
            rng = random.Random(5)
            fake.org.tracked = {"NextStep"} if tracked else set()
            for opp_id in rng.sample(ids, CHANGES):
                fake.edit(opp_id, Amount=rng.randint(5, 500) * 1000, NextStep="Call back")
            conn.send("changed")
        elif order == "calls":
            conn.send(fake.api_used)
        else:
            return


def _database(store: str) -> tuple[Any, Any]:
    from store.db import Database

    if store == "sqlite":
        path = os.path.join(tempfile.mkdtemp(), "bench.db")
        db = Database(f"sqlite:///{path}")
        db.upgrade()
        return db, lambda: None
    name = f"council_sfbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    db.upgrade()

    def drop() -> None:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return db, drop


def _floor(url: str) -> tuple[float, int]:
    """Every page of the sync's queries read and thrown away: the fake and HTTP alone."""
    from bot.salesforce.client import Client
    from commands.salesforce.sync import HISTORY_FIELDS, OPPORTUNITY_FIELDS, _pages
    from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET

    org = Client(url, CLIENT_ID, CLIENT_SECRET)
    started = time.perf_counter()
    rows = 0
    fields = ", ".join([*OPPORTUNITY_FIELDS, "Region__c"])
    for soql, every in (
        (f"SELECT {fields} FROM Opportunity ORDER BY SystemModstamp, Id", True),
        (
            f"SELECT {', '.join(HISTORY_FIELDS)} FROM OpportunityHistory "
            "ORDER BY SystemModstamp, Id",
            False,
        ),
    ):
        for page in _pages(org, soql, include_deleted=every):
            rows += len(page)
    return time.perf_counter() - started, rows


def one(opportunities: int, store: str, tracked: bool = False) -> dict[str, Any]:
    """One size in this process: the first sync, then the incremental one."""
    from bot.salesforce.client import Client
    from commands.context import Env
    from commands.salesforce import admin
    from commands.salesforce.sync import pull
    from store.models import Deal, DealVersion
    from store.sealed import Sealer
    from tests.support.fake_salesforce import CLIENT_ID, CLIENT_SECRET

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(
        target=_serve, args=(opportunities, child, tracked), daemon=True
    )
    server.start()
    url = parent.recv()
    db, drop = _database(store)
    try:
        env = Env(db)
        key = "hRx3Yq5HkqPz0E8WQ0m6t8ZMUnFx5mvoZOhAvlD9Xyc="
        admin.connect(
            env,
            "TBENCH",
            instance_url=url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            sealer=Sealer([key]),
        )
        admin.set_map(env, "TBENCH", ["region=Region__c"])
        floor, floor_rows = _floor(url)
        org = Client(url, CLIENT_ID, CLIENT_SECRET)
        started, cpu = time.perf_counter(), time.process_time()
        first = pull(env, "TBENCH", org)
        first_s = time.perf_counter() - started
        first_cpu = time.process_time() - cpu
        assert first.stopped is None, first.stopped
        rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        calls_first = org.calls
        parent.send("change")
        parent.recv()
        started, cpu = time.perf_counter(), time.process_time()
        second = pull(env, "TBENCH", org)
        second_s = time.perf_counter() - started
        second_cpu = time.process_time() - cpu
        assert second.stopped is None, second.stopped
        with db.transaction() as session:
            deals = session.scalar(select(func.count()).select_from(Deal))
            versions = session.scalar(select(func.count()).select_from(DealVersion))
        parent.send("stop")
        return {
            "store": store,
            "opportunities": opportunities,
            "history": opportunities * HISTORY_PER,
            "deals": deals,
            "versions": versions,
            "floor_s": round(floor, 1),
            "floor_rows": floor_rows,
            "first_s": round(first_s, 1),
            "first_cpu_s": round(first_cpu, 1),
            "incremental_cpu_s": round(second_cpu, 2),
            "first_rows": first.deals.rows + first.history.rows,
            "first_calls": calls_first,
            "incremental_s": round(second_s, 2),
            "incremental_rows": second.deals.rows + second.history.rows + second.field_history.rows,
            "incremental_changed": second.deals.changed,
            "incremental_calls": org.calls - calls_first,
            "rss_mb": rss_first,
            "rss_after_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
    finally:
        server.terminate()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opportunities", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--field-history", action="store_true", help="track NextStep")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.opportunities[0], args.store, args.field_history)))
        return
    print(
        "| store | Opportunities | history rows | floor (s) | first sync (s) | × floor "
        "| rows/s | CPU (s) | API calls | incremental: 1,000 changed (s) | CPU (s) | rows read "
        "| peak RSS (MB) |"
    )
    print("| --- " + "| ---: " * 12 + "|")
    for size in args.opportunities:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.salesforce_bench",
                "--one",
                *(["--field-history"] if args.field_history else []),
                "--store",
                args.store,
                "--opportunities",
                str(size),
            ],
            check=True,
            stdout=subprocess.PIPE,  # the child's errors show on stderr
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"| {r['store']} | {r['opportunities']:,} | {r['history']:,} | {r['floor_s']} "
            f"| {r['first_s']} | {r['first_s'] / max(r['floor_s'], 0.1):.1f} "
            f"| {r['first_rows'] / r['first_s']:,.0f} | {r['first_cpu_s']} | {r['first_calls']:,} "
            f"| {r['incremental_s']} | {r['incremental_cpu_s']} | {r['incremental_rows']:,} "
            f"| {r['rss_after_mb']} |",
            flush=True,
        )
        print(f"<!-- {json.dumps(r)} -->", flush=True)


if __name__ == "__main__":
    main()
