"""The digest and the APM on an existing (generated) database, against their floors.

    PYTHONPATH=SOURCE_TREE python bench/digest_bench.py DATABASE_URL [--runs 3]

Run as a file with a source tree first on the path, so that the same script times this
tree or another one (say, `git worktree add /tmp/before main`) on the same data. In one
process, medians of `--runs` after a warm-up:

- floors: every version of the workspace summed (a full scan), and the quarter's versions
  read through the period indexes (what the APM cannot avoid reading);
- the four-dimension APM with YoY (`build_matrices`), the week of changes
  (`changes_by_dimensions`), the checklist summary, the digest built (`build_digest`) and
  the whole digest (`build_digest` and `render_digest`, the pictures included);

then `council digest --council bench --dry-run` as a process: wall clock and peak RSS.
The council `bench` (all four dimensions) is created when missing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.render.digest import render_digest
from commands import checklist
from commands.apm import Moment, build_matrices
from commands.context import Actor, Env
from commands.councils import command as council
from commands.councils.meeting import find
from commands.digest import build_digest
from commands.fiscal import quarter_containing
from commands.generate import ADMIN_USER
from commands.periods import as_of_day
from store import db as store_db
from store import workspaces
from store.db import Database
from store.metrics import changes_by_dimensions

WORKSPACE = "local"
DIMENSIONS = ["product", "region", "segment", "source"]


def median_time(work: Callable[[], object], runs: int) -> float:
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The parts are timed without the commands' bounds (6 s a statement), so that a slow
    # one is measured rather than cancelled; the process below keeps them.
    store_db.POSTGRES_CONNECT_ARGS["options"] = "-c statement_timeout=0"
    store_db.GIVE_UP_SECONDS = 3600.0
    db = Database(args.url)
    env = Env(db)
    with db.transaction() as session:
        made = find_or_none(session)
    if not made:
        admin = Actor(WORKSPACE, ADMIN_USER, "Vera Sales", "console")
        council.run(
            env, admin, "create <#C0BENCH01|bench> dimensions=product,region,segment,source"
        )
    now = datetime.now(UTC)
    with db.transaction() as session:
        workspace = workspaces.get_workspace(session, WORKSPACE)
        assert workspace is not None
        zone = ZoneInfo(workspace.timezone)
        period = quarter_containing(as_of_day(now, zone), workspace.fiscal_year_start_month)
        deals = session.scalar(text("SELECT count(*) FROM deals"))

    def full_scan() -> None:
        with db.transaction() as session:
            session.execute(text("SELECT sum(amount) FROM deal_versions")).scalar()

    def quarter() -> None:
        with db.transaction() as session:
            session.execute(
                text(
                    "SELECT sum(amount) FROM deal_versions WHERE workspace_id = :w AND "
                    "close_date >= :s AND close_date < :e UNION ALL "
                    "SELECT sum(amount) FROM deal_versions WHERE workspace_id = :w AND "
                    "created_date >= :s AND created_date < :e"
                ),
                {"w": WORKSPACE, "s": period.start, "e": period.end},
            ).all()

    def apm() -> None:
        with db.transaction() as session:
            ws = workspaces.get_workspace(session, WORKSPACE)
            build_matrices(session, Moment(ws, zone, period, now), DIMENSIONS)

    def week() -> None:
        with db.transaction() as session:
            changes_by_dimensions(
                session,
                WORKSPACE,
                DIMENSIONS,
                now - timedelta(days=7),
                now,
                period.start,
                period.end,
            )

    def summary() -> None:
        with db.transaction() as session:
            ws = workspaces.get_workspace(session, WORKSPACE)
            checklist.summary(session, ws, None, DIMENSIONS, as_of_day(now, zone))

    def tables() -> None:
        with db.transaction() as session:
            build_digest(session, find(session, WORKSPACE, "bench"), now)

    def digest() -> None:
        with db.transaction() as session:
            render_digest(build_digest(session, find(session, WORKSPACE, "bench"), now), 0)

    figures = {
        "full scan (floor)": median_time(full_scan, args.runs),
        "quarter's versions (floor)": median_time(quarter, args.runs),
        "APM, 4 dimensions": median_time(apm, args.runs),
        "week of changes": median_time(week, args.runs),
        "checklist summary": median_time(summary, args.runs),
        "digest built (every part, no rendering)": median_time(tables, args.runs),
        "digest built and rendered": median_time(digest, args.runs),
    }
    db.dispose()
    walls, rss, cpus = [], [], []
    folder = tempfile.mkdtemp()
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)"
    )
    command = ["-m", "bot.run.cli", "digest", "--council", "bench", "--dry-run"]
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", probe, sys.executable, *command, "--image-dir", folder],
            env={**os.environ, "DATABASE_URL": args.url},
            cwd=folder,
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            print(f"council digest failed: {done.stderr.strip().splitlines()[-1][:300]}")
            continue
        wall, kb, cpu = done.stdout.split()
        walls.append(float(wall))
        rss.append(int(kb) / 1024)
        cpus.append(float(cpu))
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; {deals:,} deals; medians of {args.runs}\n"
    )
    print("| figure | seconds | × quarter's versions |")
    print("| --- | ---: | ---: |")
    base = figures["quarter's versions (floor)"]
    for name, seconds in figures.items():
        print(f"| {name} | {seconds:.3f} | {seconds / base:.1f} |")
    if walls:
        print(
            f"| `council digest --dry-run` (process) | {statistics.median(walls):.3f} | "
            f"{statistics.median(walls) / base:.1f} |"
        )
        # On a shared machine the wall clock is mostly waiting for a core; CPU time is not.
        print(
            f"\npeak RSS of the digest process: {statistics.median(rss):.0f} MB; its CPU "
            f"time (user + system): {statistics.median(cpus):.3f} s"
        )


def find_or_none(session: object) -> bool:
    try:
        find(session, WORKSPACE, "bench")  # type: ignore[arg-type]
    except Exception:
        return False
    return True


if __name__ == "__main__":
    main()
