"""Two `council serve` processes on one PostgreSQL, 1,000 concurrent updates to the same
50 deals: no update lost, every change in the history, no error reaching anyone."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from commands.context import Actor, Env
from commands.deals import command as deal
from store.db import Database
from store.models import Deal, DealVersion
from tests.support.databases import PostgresServer
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port, wait_healthy
from tests.support.slack_requests import SECRET, User, post, slash_command

ROOT = Path(__file__).parents[3]
ADMIN = User("U0MAYA001", "maya")
UPDATES, DEALS, CLIENTS = 1000, 50, 25

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(_postgres: PostgresServer) -> Iterator[Database]:
    database = _postgres.fresh()
    yield database
    database.dispose()


@pytest.fixture
def servers(shared: Database, slack: FakeSlack, tmp_path: Path) -> Iterator[list[str]]:
    """Two gunicorn servers (two workers each) on the same database."""
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": shared.engine.url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": "xoxb-concurrency",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "2",
    }
    processes, urls, ports = [], [], []
    for _ in range(2):
        port = free_port()
        ports.append(port)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "bot.run.cli", "serve", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_healthy(port, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def test_concurrent_updates_lose_nothing(shared: Database, slack: FakeSlack, servers: list[str]):
    env = Env(shared)
    maya = Actor("T0TEST001", ADMIN.id, "maya", "console")
    ids = []
    for n in range(DEALS):
        saved = deal.run(env, maya, f"new Deal {n} amount=1 close=2026-12-15")
        ids.append(saved.deal.id)  # type: ignore[union-attr]
    # Update i sets deal i % 50 to a unique amount, so every update is a change.
    work = [(ids[i % DEALS], 1000 + i) for i in range(UPDATES)]
    failures: list[str] = []

    def client(number: int) -> None:
        for index in range(number, UPDATES, CLIENTS):
            deal_id, amount = work[index]
            body = slash_command(
                "/deal", f"#{deal_id} amount={amount}", slack.response_url(f"u{index}"), ADMIN
            )
            url = servers[index % 2] + "/slack/events"
            reply = post(url, body, content_type="application/x-www-form-urlencoded")
            if reply.status != 200:
                failures.append(f"{index}: {reply.status}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    replies = slack.wait_for("response_url", UPDATES, timeout=180)
    texts = [c.params["text"] for c in replies]
    assert all(t.startswith(":white_check_mark: Updated") for t in texts), [
        t for t in texts if not t.startswith(":white_check_mark: Updated")
    ][:3]
    with shared.transaction() as session:
        versions = session.execute(select(DealVersion.deal_id, DealVersion.amount)).all()
        current = dict(session.execute(select(Deal.id, Deal.amount)).all())
        chains: dict[int, list[DealVersion]] = {}
        for version in session.scalars(select(DealVersion).order_by(DealVersion.version)):
            chains.setdefault(version.deal_id, []).append(version)
        # A lost update would show as a change whose "old" is not the version before it,
        # or as a gap or overlap between versions.
        for chain in chains.values():
            for before, after in itertools.pairwise(chain):
                assert Decimal(after.changes["amount"][0]) == before.amount
                assert before.valid_to == after.valid_from
            assert chain[-1].valid_to is None
    recorded = {(deal_id, amount) for deal_id, amount in versions}
    # Every update is a version of its deal; each deal ends on one of its own updates.
    assert {(d, Decimal(a)) for d, a in work} <= recorded
    assert len(versions) == DEALS + UPDATES
    for deal_id in ids:
        mine = {Decimal(a) for d, a in work if d == deal_id}
        assert current[deal_id] in mine
