"""The digest's Marketing and sales section (the hand-off SLA's figures) at 1M leads.

    python -m bench.leads_bench --leads 1000000 [--stores sqlite,postgresql] [--runs 3]

For each store: a fresh database filled with N leads over three years (about 1 in 12 of
them in any one quarter), each an MQL with its owner, source, segment and campaign, most
accepted or rejected some business hours later, some converted. Then, in one process:
the **floor** (one plain scan of the leads table: `count(*)` and `max(mql_at)`) and the
**section** (`commands.sla.figures.sla_report` for the quarter, as the digest builds it:
every figure, conversion by source and by campaign, marketing pipegen), warm, median of
`--runs`; and the process's peak RSS after the section.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from commands.context import Actor
from commands.fiscal import quarter_containing
from commands.sla.figures import sla_report
from commands.sla.settings import Sla
from commands.workspace import ensure_workspace
from store import people
from store.db import Database
from store.models import Lead
from tests.support.databases import PostgresServer

WORKSPACE = "local"
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SOURCES = ("Marketing", "Marketing", "Partner", "SDR", "Events")
SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
BATCH = 20_000


def fill(db: Database, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with db.transaction() as session:
        ensure_workspace(session, Actor(WORKSPACE, "U0BENCH01", "bench", "bench"), AT)
        owners = [
            people.add_person(
                session, WORKSPACE, display_name=f"Rep {i}", slack_user_id=None, role="rep", now=AT
            ).id
            for i in range(max(1, count // 2000))
        ]
    campaigns = [f"701BENCH{i:05d}" for i in range(max(1, count // 500))] + [None] * 50
    start = AT - timedelta(days=3 * 365)
    span = int((AT - start).total_seconds())
    rows = []
    for index in range(count):
        mql = start + timedelta(seconds=rng.randrange(span))
        fate = rng.random()
        followed = mql + timedelta(hours=rng.choice((1, 3, 6, 20, 30, 50, 90)))
        rows.append(
            {
                "workspace_id": WORKSPACE,
                "external_id": f"00Q{index:012d}",
                "name": f"Lead {index}",
                "company": "Acme",
                "email": None,
                "source": rng.choice(SOURCES),
                "segment": rng.choice(SEGMENTS),
                "campaign_external_id": rng.choice(campaigns),
                "owner_id": rng.choice(owners),
                "status": "accepted" if fate < 0.6 else "rejected" if fate < 0.85 else "MQL",
                "created_at": mql - timedelta(days=2),
                "mql_at": mql,
                "accepted_at": followed if fate < 0.6 else None,
                "rejected_at": followed if 0.6 <= fate < 0.85 else None,
                "rejection_reason": rng.choice(("No budget", "Not a fit")) if fate >= 0.6 else None,
                "converted_at": followed + timedelta(days=3) if fate < 0.2 else None,
                "fields": {},
                "updated_at": followed,
            }
        )
        if len(rows) == BATCH:
            with db.transaction() as session:
                session.execute(insert(Lead.__table__), rows)
            rows = []
    if rows:
        with db.transaction() as session:
            session.execute(insert(Lead.__table__), rows)


def median_time(work: Callable[[], object], runs: int) -> float:
    work()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def floor(db: Database) -> None:
    with db.transaction() as session:
        session.execute(select(func.count(Lead.id), func.max(Lead.mql_at))).one()


def section(db: Database) -> int:
    period = quarter_containing(AT.date())
    with db.transaction() as session:
        report = sla_report(session, WORKSPACE, ZoneInfo("UTC"), "$", period, AT, Sla())
    return report.total.mqls


def measure(name: str, db: Database, count: int, runs: int, *, filled_already: bool = False) -> str:
    started = time.perf_counter()
    if not filled_already:
        fill(db, count)
    filled = time.perf_counter() - started
    mqls = section(db)
    floor_s = median_time(lambda: floor(db), runs)
    section_s = median_time(lambda: section(db), runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"| {name} | {count:,} | {mqls:,} | {filled:.1f} | {floor_s:.3f} | {section_s:.3f} | "
        f"{section_s / floor_s:.1f} | {rss:.0f} |"
    )


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count(Lead.id))) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="measure a database an earlier run filled, not a new one")
    args = parser.parse_args()
    print(
        "| store | leads | quarter's MQLs | fill (s) | floor (s) | section (s) | × floor "
        "| peak RSS (MB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    if args.url:
        db = Database(args.url)
        count = _count(db)
        print(measure(db.engine.dialect.name, db, count, args.runs, filled_already=True))
        return
    for store in args.stores.split(","):
        if store == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="leads-bench-"))
            db = Database(f"sqlite:///{folder / 'bench.db'}")
            db.upgrade()
            print(measure("SQLite", db, args.leads, args.runs), flush=True)
        else:
            server = PostgresServer()
            server.start()
            db = Database(server.url)
            try:
                print(measure("PostgreSQL", db, args.leads, args.runs), flush=True)
            finally:
                db.dispose()
                server.stop()


if __name__ == "__main__":
    main()
