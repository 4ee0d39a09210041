"""Ack latency of `council serve --web-only` (with a `council worker` answering) against a
bare bolt app that only acks, on an existing generated database, several runs.

    python -m bench.ack_bench DATABASE_URL [--runs 3] [--clients 20] [--requests 1000]

Each run starts both apps afresh under the same gunicorn settings (2 workers × 8
threads), warms them, and sends the same load as `scale_bench` (alternately `/deal #ID
amount=…` and `/coverage region EMEA`), bare first. The worker answers meanwhile, on the
same machine; the answers are counted ANSWER_WAIT seconds after the last ack (the rest
stay queued: the next run's worker answers them first).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

from sqlalchemy import select

from bench.scale_bench import hammer
from store.db import Database
from store.models import Deal
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port, wait_healthy

SECRET = "bench-signing-secret"
ANSWER_WAIT = 30  # seconds after the last ack the worker is given to catch up


def start(argv: list[str], url: str, api_url: str, port: int | None) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": url,
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "8",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
    args = parser.parse_args()
    slack = FakeSlack().start()
    with Database(args.url).transaction() as session:
        deal_ids = list(session.scalars(select(Deal.id).limit(5000)))

    print(
        f"{platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; {args.clients} clients, {args.requests} requests\n"
    )
    print("| run | bare p50 | bare p99 | council p50 | council p99 | p99 × bare | answered |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in range(1, args.runs + 1):
        figures = {}
        for name in ("bare", "council"):
            port = free_port()
            if name == "bare":
                processes = [
                    start(["-m", "bench.bare_app", str(port)], args.url, slack.api_url, port)
                ]
            else:
                web = ["-m", "bot.run.cli", "serve", "--web-only", "--port", str(port)]
                processes = [
                    start(web, args.url, slack.api_url, port),
                    start(["-m", "bot.run.cli", "worker"], args.url, slack.api_url, None),
                ]
            slack.clear()
            try:
                hammer(port, SECRET, slack.base, deal_ids, args.clients, args.clients * 5)
                figures[name] = percentiles(
                    hammer(port, SECRET, slack.base, deal_ids, args.clients, args.requests)
                )
                if name == "council":
                    total = args.requests + args.clients * 5
                    deadline = time.monotonic() + ANSWER_WAIT
                    while len(slack.calls_to("response_url")) < total:
                        if time.monotonic() > deadline:
                            break
                        time.sleep(1)
                    answered = len(slack.calls_to("response_url"))
            finally:
                for process in processes:
                    stop(process)
        bare, council = figures["bare"], figures["council"]
        print(
            f"| {run} | {bare[0]:.1f} | {bare[1]:.1f} | {council[0]:.1f} | {council[1]:.1f} "
            f"| {council[1] / bare[1]:.2f} | {answered:,} of {total:,} |"
        )
    slack.stop()


if __name__ == "__main__":
    main()
