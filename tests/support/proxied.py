"""The same PostgreSQL database twice: directly, to check what was written, and through a
TCP proxy a test can cut or silence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from store.db import Database
from store.models import Deal, DealVersion
from tests.support.databases import PostgresServer
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def behind_proxy(_postgres: PostgresServer) -> Iterator[tuple[Database, Database, TcpProxy]]:
    """(direct, through the proxy, the proxy)."""
    direct = _postgres.fresh()
    url = make_url(direct.engine.url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = Database(url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    yield direct, proxied, proxy
    proxy.stop()
    proxied.dispose()
    direct.dispose()


def counts(db: Database) -> tuple[int, int]:
    """How many deals and versions the database holds."""
    with db.transaction() as session:
        deals = session.scalar(select(func.count()).select_from(Deal)) or 0
        versions = session.scalar(select(func.count()).select_from(DealVersion)) or 0
    return deals, versions
