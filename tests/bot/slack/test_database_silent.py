"""PostgreSQL going silent (connections accepted and kept open, nothing answered): the
person is told "the database is not answering" within BOUND seconds, instead of never,
nothing is half-written, and the bot recovers when the database answers again."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from commands.context import Env
from store import deals as store_deals
from store.models import Deal
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.proxied import counts
from tests.support.slack_requests import FORM, post, slash_command

pytestmark = pytest.mark.postgres
BOUND = 10.0  # seconds, from the command to its answer (store/db.py: CONNECT_SECONDS)


def timed(app: RunningApp, slack: FakeSlack, text: str) -> tuple[str, float]:
    """The reply to `/deal text` and the seconds from sending it to the reply."""
    before = len(slack.calls_to("response_url"))
    body = slash_command("/deal", text, slack.response_url(f"s{before}"))
    started = time.monotonic()
    assert post(app.events_url, body, content_type=FORM).status == 200
    reply = slack.wait_for("response_url", before + 1, timeout=BOUND + 20)[-1]
    return str(reply.params["text"]), time.monotonic() - started


def test_a_silent_database_is_reported_within_the_bound(
    behind_proxy, slack: FakeSlack, monkeypatch, capsys
):
    direct, proxied, proxy = behind_proxy
    app = RunningApp(Env(proxied, FakeClock()), slack)
    took: list[float] = []
    try:
        assert "Created" in timed(app, slack, "new Acme amount=10k")[0]

        # Silent before the command: the pooled connection's ping, then a new connection.
        proxy.silence()
        for amount in ("20k", "21k"):
            text, seconds = timed(app, slack, f"Acme amount={amount}")
            assert "database is not answering" in text
            took.append(seconds)
        proxy.restore()
        assert "Updated" in timed(app, slack, "Acme amount=30k")[0]  # recovered
        assert counts(direct) == (1, 2)

        # Silent in the middle: the version is written, then nothing answers the rest.
        original = store_deals.change_deal

        def silenced_after_writing(*args: object, **kwargs: object) -> object:
            changed = original(*args, **kwargs)  # type: ignore[arg-type]
            args[0].flush()  # type: ignore[attr-defined]
            proxy.silence()
            return changed

        monkeypatch.setattr(store_deals, "change_deal", silenced_after_writing)
        text, seconds = timed(app, slack, "Acme amount=40k")
        assert "database is not answering" in text
        took.append(seconds)
        monkeypatch.setattr(store_deals, "change_deal", original)
        proxy.restore()
        assert "Updated" in timed(app, slack, "Acme amount=50k")[0]
        assert counts(direct) == (1, 3)  # the silenced change left nothing behind
        with direct.transaction() as session:
            assert session.scalar(select(Deal.amount)) == 50000
    finally:
        app.stop()
    with capsys.disabled():
        print(f"\nsilent database answered in {', '.join(f'{s:.1f}' for s in took)} s")
    assert all(seconds < BOUND for seconds in took), took
