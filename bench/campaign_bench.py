"""Campaign figures at the scale of a large marketing database, against the floor.

    python -m bench.campaign_bench [--members 5000000] [--leads 1000000]
        [--deals 100000] [--stores sqlite,postgresql] [--runs 3]
        [--database council_campaign_bench]

For each store: a fresh database with `council demo-data --deals N` (deals, some carrying
the demo campaigns), then a campaign tree of 20 roots x 9 children x 4 grandchildren (920
campaigns) and `--members` campaign members drawn from `--leads` leads, about 30% of
whom moved on to a responded status later (two versions). Members are written with COPY on
PostgreSQL and multi-row `executemany` in one transaction on SQLite. Then, warm, the
median of `--runs`:

- floor: one plain scan of every member version (`count(*)`, `max(valid_from)`);
- `council campaigns` (every campaign, all time; and for this quarter);
- `/campaign show` for a root (46 campaigns below and in it) and for a leaf;
- the peak memory (RSS) of `council campaigns --json` and of a `/campaign show` process.

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.scale_bench import POSTGRES_ADMIN, median_time, peak_rss_mb, run_cli
from commands.campaigns import command as campaign
from commands.campaigns.figures import CampaignFigures
from commands.campaigns.reading import CampaignShown
from commands.context import Actor, Env
from commands.generate import ADMIN_USER
from store import campaigns as store_campaigns
from store.db import Database
from store.models import Campaign, CampaignMemberVersion

WORKSPACE = "local"
ADMIN = Actor(WORKSPACE, ADMIN_USER, "Vera Sales", "console")
ROOTS, CHILDREN, GRANDCHILDREN = 20, 9, 4
MEMBER_COLUMNS = (
    "id, workspace_id, campaign_id, external_id, lead_id, contact_id, status, "
    "first_responded_date, created_at, created_date"
)
VERSION_COLUMNS = (
    "id, workspace_id, member_id, campaign_id, status, created_date, valid_from, valid_to, "
    "changed_by_id"
)


def tree(db: Database, now: datetime) -> list[int]:
    """The campaign tree; the ids of every campaign in it."""
    made: list[int] = []
    with db.transaction() as session:
        for r in range(ROOTS):
            root = store_campaigns.create_campaign(
                session,
                WORKSPACE,
                {"name": f"Program {r:02d}", "type": "Other", "external_id": f"701R{r:02d}"},
                now,
            )
            made.append(root.id)
            for c in range(CHILDREN):
                child = store_campaigns.create_campaign(
                    session,
                    WORKSPACE,
                    {
                        "name": f"Program {r:02d} / {c}",
                        "type": "Event",
                        "parent_id": root.id,
                        "actual_cost": 10_000 + 1_000 * c,
                    },
                    now,
                )
                made.append(child.id)
                for g in range(GRANDCHILDREN):
                    leaf = store_campaigns.create_campaign(
                        session,
                        WORKSPACE,
                        {
                            "name": f"Program {r:02d} / {c} / {g}",
                            "type": "Webinar",
                            "parent_id": child.id,
                            "actual_cost": 2_000,
                        },
                        now,
                    )
                    made.append(leaf.id)
    return made


CHUNK = 250_000


def chunks(
    campaign_ids: list[int], members: int, leads: int, now: datetime, first_id: int
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """Member and version rows (ids given) in chunks, as plain values both stores take, so
    millions never sit in memory at once."""
    rng = random.Random(5)
    start = now - timedelta(days=730)
    version_id = first_id
    for chunk_start in range(0, members, CHUNK):
        member_rows: list[tuple[object, ...]] = []
        version_rows: list[tuple[object, ...]] = []
        for index in range(chunk_start, min(members, chunk_start + CHUNK)):
            member_id = first_id + index
            campaign_id = campaign_ids[rng.randrange(len(campaign_ids))]
            joined = start + timedelta(seconds=rng.randrange(730 * 86_400))
            day = joined.date()
            lead = f"00Q{index % leads:012d}"
            answered = rng.random() < 0.3
            status = "Responded" if answered else "Sent"
            later = min(joined + timedelta(days=rng.randint(1, 30)), now) if answered else None
            member_rows.append(
                (member_id, WORKSPACE, campaign_id, None, lead, None, status,
                 later.date() if later else None, joined, day)
            )  # fmt: skip
            version_rows.append(
                (version_id, WORKSPACE, member_id, campaign_id, "Sent", day, joined, later, None)
            )
            version_id += 1
            if later is not None:
                version_rows.append(
                    (version_id, WORKSPACE, member_id, campaign_id, "Responded", day, later,
                     None, None)
                )  # fmt: skip
                version_id += 1
        yield member_rows, version_rows


def _sqlite_value(value: object) -> object:
    # As SQLAlchemy writes them to SQLite: naive UTC text with microseconds, ISO dates.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_members(
    db: Database,
    data: Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]],
) -> int:
    """Write every chunk (one transaction on SQLite, COPY on PostgreSQL); the versions."""
    written = 0
    raw = db.engine.raw_connection()
    try:
        if db.is_sqlite:
            cursor = raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("BEGIN")
            for members, versions in data:
                for table, columns, part in (
                    ("campaign_members", MEMBER_COLUMNS, members),
                    ("campaign_member_versions", VERSION_COLUMNS, versions),
                ):
                    marks = ", ".join("?" for _ in columns.split(","))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        [tuple(map(_sqlite_value, row)) for row in part],
                    )
                written += len(versions)
            cursor.execute("COMMIT")
            cursor.execute("PRAGMA synchronous=FULL")
        else:
            connection = raw.driver_connection
            with connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute("SET statement_timeout = 0")
                for members, versions in data:
                    for table, columns, part in (
                        ("campaign_members", MEMBER_COLUMNS, members),
                        ("campaign_member_versions", VERSION_COLUMNS, versions),
                    ):
                        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in part:
                                copy.write_row(row)
                    written += len(versions)
                for table in ("campaign_members", "campaign_member_versions"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
            connection.commit()  # type: ignore[union-attr]
    finally:
        raw.close()
    if db.is_sqlite:
        with db.engine.begin() as c:
            c.execute(text("ANALYZE"))
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("SET statement_timeout = 0"))
            c.execute(text("VACUUM (ANALYZE) campaign_members, campaign_member_versions"))
    return written


def fresh(store: str, folder: Path, name: str) -> str:
    """An empty, migrated database of this benchmark's own (never scale_bench's, which may
    run beside it)."""
    if store == "sqlite":
        return _migrated(f"sqlite:///{folder / 'campaigns.db'}")
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return _migrated(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")


def _migrated(url: str) -> str:
    run_cli(["db", "upgrade"], url)
    return url


def floor(db: Database) -> None:
    with db.transaction() as session:
        v = CampaignMemberVersion
        session.execute(select(func.count(), func.max(v.valid_from))).one()


def show_rss_mb(url: str, name: str) -> float:
    """Peak resident memory of a process answering one `/campaign show`, in MB. The process
    is started by a small one that reads it as its child's: a process exec'd straight from
    this one would report this one's peak (Linux carries the parent's high-water mark
    across fork and exec into `ru_maxrss`), hundreds of MB of member rows it never held."""
    probe = (
        "import sys;"
        "from commands.context import Actor, Env;"
        "from commands.campaigns import command;"
        "from bot.render import render;"
        "from store.db import open_database;"
        "result = command.run(Env(open_database()), "
        f"Actor('local', '{ADMIN_USER}', 'Vera Sales', 'console'), sys.argv[1]);"
        "render(result)"
    )
    starter = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", starter, sys.executable, "-c", probe, f'show "{name}"'],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def measure(store: str, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    url = fresh(store, folder, args.database)
    started = time.perf_counter()
    run_cli(["demo-data", "--deals", str(args.deals), "--seed", "7"], url)
    figures = {"deals_s": time.perf_counter() - started}
    db = Database(url)
    env = Env(db)
    now = datetime.now(UTC)
    ids = tree(db, now)
    with db.transaction() as session:
        first = 1 + (session.scalar(select(func.max(CampaignMemberVersion.id))) or 0) + 10_000
    started = time.perf_counter()
    figures["versions"] = load_members(db, chunks(ids, args.members, args.leads, now, first))
    figures["load_s"] = time.perf_counter() - started
    with db.transaction() as session:
        leaf = session.scalars(
            select(Campaign.name).where(Campaign.name == "Program 07 / 3 / 2")
        ).one()

    def listed(period: str) -> None:
        result = campaign.run(env, ADMIN, f"list {period}".strip())
        assert isinstance(result, CampaignFigures), result

    def shown(name: str) -> None:
        result = campaign.run(env, ADMIN, f'show "{name}"')
        assert isinstance(result, CampaignShown), result

    figures["floor"] = median_time(lambda: floor(db), args.runs)
    figures["all_time"] = median_time(lambda: listed(""), args.runs)
    figures["quarter"] = median_time(lambda: listed("this"), args.runs)
    figures["show_root"] = median_time(lambda: shown("Program 07"), args.runs)
    figures["show_leaf"] = median_time(lambda: shown(leaf), args.runs)
    figures["rss_json"] = peak_rss_mb(["campaigns", "--json"], url)
    figures["rss_show"] = show_rss_mb(url, "Program 07")
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=5_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database", default="council_campaign_bench", help="the PostgreSQL database to use"
    )
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        "| store | members | versions | load (s) | floor (s) | all time (s) | × floor "
        "| this quarter (s) | × floor | show root (s) | show leaf (s) | RSS json (MB) "
        "| RSS show (MB) |"
    )
    print("| --- |" + " ---: |" * 12)
    with tempfile.TemporaryDirectory() as folder:
        for store in args.stores.split(","):
            f = measure(store, args, Path(folder))
            name = "SQLite" if store == "sqlite" else "PostgreSQL"
            print(
                f"| {name} | {args.members:,} | {int(f['versions']):,} | {f['load_s']:.1f} "
                f"| {f['floor']:.3f} | {f['all_time']:.3f} | {f['all_time'] / f['floor']:.1f} "
                f"| {f['quarter']:.3f} | {f['quarter'] / f['floor']:.1f} "
                f"| {f['show_root']:.3f} | {f['show_leaf']:.3f} "
                f"| {f['rss_json']:.0f} | {f['rss_show']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
