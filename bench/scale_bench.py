"""The council's numbers at the scale of a large sales organisation, against the floor.

    python -m bench.scale_bench --sizes 10000,100000 [--stores sqlite,postgresql]
        [--runs 5] [--http-size 100000] [--clients 20] [--requests 1000]

For each store and size: a fresh database filled by the real `council demo-data` (timed),
then, measured side by side in one process, medians of `--runs`:

- floor: `SELECT sum(amount) FROM deal_versions`, one plain scan of the whole history;
- the APM for all four dimensions with YoY, as of now and as of a year ago;
- peak memory (RSS) of `council apm` and `council digest --dry-run` processes.

At `--http-size`, `council serve` (gunicorn, signatures checked) and a bare bolt app that
only acks, under the same server, each take `--requests` signed slash commands from
`--clients` concurrent clients (alternately `/deal #ID amount=...` and
`/coverage region EMEA`), and the acknowledgement latencies are compared.

Prints Markdown tables (machine, figures, ratios) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select, text

from commands.apm import Moment, build_matrices
from commands.context import Actor, Env
from commands.councils import command as council
from commands.fiscal import quarter_containing
from commands.generate import ADMIN_USER
from commands.periods import as_of_day
from store import workspaces
from store.db import Database
from store.models import Deal
from tests.support.http_app import free_port, wait_healthy

POSTGRES_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DIMENSIONS = ["product", "region", "segment", "source"]
WORKSPACE = "local"
ADMIN = Actor(WORKSPACE, ADMIN_USER, "Vera Sales", "console")


def run_cli(args: list[str], url: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot.run.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def fresh(store: str, size: int, folder: Path) -> str:
    """An empty, migrated database for one store and size."""
    if store == "sqlite":
        path = folder / f"scale-{size}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        name = f"council_scale_{size}"
        admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    run_cli(["db", "upgrade"], url)
    return url


def median_time(work: Callable[[], object], runs: int) -> float:
    work()  # warm the caches: every figure is a warm one
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def apm_all(db: Database, at: datetime) -> None:
    with db.transaction() as session:
        workspace = workspaces.get_workspace(session, WORKSPACE)
        assert workspace is not None
        zone = ZoneInfo(workspace.timezone)
        period = quarter_containing(as_of_day(at, zone), workspace.fiscal_year_start_month)
        build_matrices(session, Moment(workspace, zone, period, at), DIMENSIONS)


def floor(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("SELECT sum(amount) FROM deal_versions")).scalar()


def peak_rss_mb(args: list[str], url: str) -> float:
    """Peak resident memory of one `council` process, in MB."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "bot.run.cli", *args],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip()) / 1024


def measure(store: str, size: int, runs: int, folder: Path) -> dict[str, float]:
    url = fresh(store, size, folder)
    started = time.perf_counter()
    run_cli(["demo-data", "--deals", str(size), "--seed", "7"], url)
    generated = time.perf_counter() - started
    db = Database(url)
    env = Env(db)
    council.run(env, ADMIN, "create <#C0BENCH01|bench> dimensions=product,region,segment,source")
    with db.transaction() as session:
        versions = session.scalar(text("SELECT count(*) FROM deal_versions"))
        deals = session.scalar(select(func.count()).select_from(Deal))
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    figures = {
        "deals": float(deals or 0),
        "versions": float(versions or 0),
        "generate": generated,
        "floor": median_time(lambda: floor(db), runs),
        "apm_now": median_time(lambda: apm_all(db, now), runs),
        "apm_year_ago": median_time(lambda: apm_all(db, year_ago), runs),
    }
    db.dispose()
    figures["rss_apm"] = peak_rss_mb(["apm", "--by", "product"], url)
    figures["rss_digest"] = peak_rss_mb(
        ["digest", "--council", "bench", "--dry-run", "--image-dir", str(folder)], url
    )
    figures["url"] = url  # type: ignore[assignment]
    return figures


def scale_table(results: dict[tuple[str, int], dict[str, float]]) -> None:
    print(
        "| store | deals | versions | generate (s) | floor (s) | APM now (s) | × floor "
        "| APM a year ago (s) | × floor | RSS apm (MB) | RSS digest (MB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (store, _), f in sorted(results.items()):
        print(
            f"| {store} | {f['deals']:,.0f} | {f['versions']:,.0f} | {f['generate']:.1f} "
            f"| {f['floor']:.3f} | {f['apm_now']:.3f} | {f['apm_now'] / f['floor']:.1f} "
            f"| {f['apm_year_ago']:.3f} | {f['apm_year_ago'] / f['floor']:.1f} "
            f"| {f['rss_apm']:.0f} | {f['rss_digest']:.0f} |"
        )


def growth_table(results: dict[tuple[str, int], dict[str, float]]) -> None:
    """How each figure grows with the data: the ratio between consecutive sizes."""
    print("\n| store | sizes | deals × | floor × | APM now × | APM a year ago × |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for store in sorted({s for s, _ in results}):
        sizes = sorted(size for s, size in results if s == store)
        for small, large in itertools.pairwise(sizes):
            a, b = results[(store, small)], results[(store, large)]
            print(
                f"| {store} | {small:,} → {large:,} | {large / small:.0f} "
                f"| {b['floor'] / a['floor']:.1f} | {b['apm_now'] / a['apm_now']:.1f} "
                f"| {b['apm_year_ago'] / a['apm_year_ago']:.1f} |"
            )


# HTTP ---------------------------------------------------------------------------------


def start_server(
    module: str, url: str, api_url: str, secret: str
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": secret,
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "8",
        "LOG_LEVEL": "WARNING",
    }
    if module == "council":
        command = [sys.executable, "-m", "bot.run.cli", "serve", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "bench.bare_app", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_healthy(port, process)
    return process, port


def hammer(
    port: int, secret: str, answers: str, deal_ids: list[int], clients: int, requests: int
) -> list[float]:
    """Latencies of `requests` signed slash commands from `clients` threads."""
    from tests.support.slack_requests import User, post, slash_command

    admin = User(ADMIN_USER, "vera", WORKSPACE)
    latencies: list[float] = []
    failed: list[int] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client(number: int) -> None:
        rng = random.Random(number)
        mine = []
        for i in range(per_client):
            if i % 2 == 0:
                name, words = "/deal", f"#{rng.choice(deal_ids)} amount={rng.randint(5, 900)}k"
            else:
                name, words = "/coverage", "region EMEA"
            body = slash_command(name, words, f"{answers}/response/{number}-{i}", admin)
            started = time.perf_counter()
            try:
                reply = post(
                    f"http://127.0.0.1:{port}/slack/events",
                    body,
                    content_type="application/x-www-form-urlencoded",
                    secret=secret,
                )
            except OSError:
                failed.append(1)
                continue
            mine.append(time.perf_counter() - started)
            if reply.status != 200:
                failed.append(reply.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        print(f"  {len(failed)} requests failed: {sorted(set(failed))}", file=sys.stderr)
    return latencies


def http_table(url: str, clients: int, requests: int) -> None:
    from tests.support.fake_slack import FakeSlack

    secret = "bench-signing-secret"
    slack = FakeSlack().start()
    with Database(url).transaction() as session:
        deal_ids = list(session.scalars(select(Deal.id).limit(5000)))
    print(f"\n| app ({clients} clients, {requests} requests) | p50 (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: |")
    rows = {}
    for module in ("bare", "council"):
        process, port = start_server(module, url, slack.api_url, secret)
        try:
            hammer(port, secret, slack.base, deal_ids, clients, clients * 5)  # warm up
            latencies = sorted(hammer(port, secret, slack.base, deal_ids, clients, requests))
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()  # work still queued behind the acks: not what is measured
                process.wait()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        rows[module] = (p50, p99)
        label = "bare bolt app (ack only)" if module == "bare" else "council serve"
        print(f"| {label} | {p50:.1f} | {p99:.1f} | {latencies[-1] * 1000:.1f} |")
    ratio50 = rows["council"][0] / rows["bare"][0]
    ratio99 = rows["council"][1] / rows["bare"][1]
    print(f"\nCouncil over bare: p50 × {ratio50:.2f}, p99 × {ratio99:.2f}.")
    slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--http-size", type=int, default=100_000, help="0: no HTTP test")
    parser.add_argument("--http-store", default="postgresql")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}; medians of {args.runs} warm runs.\n"
    )
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for store in args.stores.split(","):
            for size in sizes:
                results[(store, size)] = measure(store, size, args.runs, folder)
                print(f"  measured {store} at {size:,}", file=sys.stderr)
        scale_table(results)
        growth_table(results)
        if args.http_size:
            url = str(results[(args.http_store, args.http_size)]["url"])
            http_table(url, args.clients, args.requests)


if __name__ == "__main__":
    main()
