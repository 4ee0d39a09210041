"""Ack latency of `council serve --web-only` (with a `council worker` answering) against a
bare bolt app that only acks, on an existing generated database, several runs.

    python -m bench.ack_bench DATABASE_URL [--runs 3] [--clients 20] [--requests 1000]
        [--before SOURCE_TREE [--before-url DATABASE_URL]]

Each run starts the apps afresh under the same gunicorn settings (2 workers × 8 threads),
warms them, and sends the same load as `scale_bench` (alternately `/deal #ID amount=…` and
`/coverage region EMEA`): the bare app first, then `council serve --web-only` with one
`council worker`, then (with `--before`) the same from another source tree of the project
(on a copy of the database at that tree's schema, `--before-url`, when the schemas differ).
The worker answers meanwhile, on the same machine, at its default priority (WORKER_NICE)
(with `--worker-after`, it starts once the acks are in: the ack path alone);
the answers are counted ANSWER_WAIT seconds after the last ack, and the rest are deleted
before the next app starts, so each run's worker starts with an empty queue.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import delete, select

from bench.scale_bench import hammer
from store.db import Database
from store.models import Deal, QueuedWork
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port, wait_healthy

SECRET = "bench-signing-secret"
ANSWER_WAIT = 30  # seconds after the last ack the worker is given to catch up
ROOT = Path(__file__).resolve().parents[1]


def start(
    argv: list[str], url: str, api_url: str, port: int | None, tree: Path = ROOT
) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "PYTHONPATH": str(tree),
        "DATABASE_URL": url,
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "8",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, *argv],
        env=env,
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if port is not None:
        wait_healthy(port, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    return (
        ordered[len(ordered) // 2] * 1000,
        ordered[int(len(ordered) * 0.99) - 1] * 1000,
        ordered[-1] * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="another source tree to time alike")
    parser.add_argument("--before-url", help="its database, when not the same (its schema)")
    parser.add_argument(
        "--worker-after",
        action="store_true",
        help="start the worker once the acks are in: the ack path without a worker's "
        "queries competing for the same cores",
    )
    args = parser.parse_args()
    slack = FakeSlack().start()
    database = Database(args.url)
    with database.transaction() as session:
        deal_ids = list(session.scalars(select(Deal.id).limit(5000)))
    trees = {"council": (ROOT, args.url)}
    if args.before:
        trees["before"] = (args.before.resolve(), args.before_url or args.url)
    stores = {url: Database(url) for _, url in trees.values()}
    total = args.requests + args.clients * 5

    print(
        f"{platform.machine()}, {os.cpu_count()} cores; {args.clients} clients, "
        f"{args.requests} requests after {args.clients * 5} to warm up; milliseconds\n"
    )
    print(
        "| run | load | bare p50 | bare p99 | app | p50 | p99 | p99 × bare | answered in "
        f"{ANSWER_WAIT} s |"
    )
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for run in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        port = free_port()
        bare_app = start(["-m", "bench.bare_app", str(port)], args.url, slack.api_url, port)
        try:
            hammer(port, SECRET, slack.base, deal_ids, args.clients, args.clients * 5)
            bare = percentiles(
                hammer(port, SECRET, slack.base, deal_ids, args.clients, args.requests)
            )
        finally:
            stop(bare_app)
        for name, (tree, url) in trees.items():
            port = free_port()
            web = ["-m", "bot.run.cli", "serve", "--web-only", "--port", str(port)]
            worker = ["-m", "bot.run.cli", "worker"]
            processes = [start(web, url, slack.api_url, port, tree)]
            if not args.worker_after:
                processes.append(start(worker, url, slack.api_url, None, tree))
            slack.clear()
            try:
                hammer(port, SECRET, slack.base, deal_ids, args.clients, args.clients * 5)
                council = percentiles(
                    hammer(port, SECRET, slack.base, deal_ids, args.clients, args.requests)
                )
                if args.worker_after:
                    processes.append(start(worker, url, slack.api_url, None, tree))
                deadline = time.monotonic() + ANSWER_WAIT
                while len(slack.calls_to("response_url")) < total:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(1)
                answered = len(slack.calls_to("response_url"))
            finally:
                for process in processes:
                    stop(process)
            with stores[url].transaction() as session:
                session.execute(delete(QueuedWork))
            print(
                f"| {run} | {load:.1f} | {bare[0]:.1f} | {bare[1]:.1f} | {name} "
                f"| {council[0]:.1f} | {council[1]:.1f} | {council[1] / bare[1]:.2f} "
                f"| {answered:,} of {total:,} |",
                flush=True,
            )
    slack.stop()
    for store in [database, *stores.values()]:
        store.dispose()


if __name__ == "__main__":
    main()
