"""PostgreSQL going away before and in the middle of a command: the person is told to try
again, nothing is half-written, and the bot recovers when the database returns."""

from __future__ import annotations

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


def say(app: RunningApp, slack: FakeSlack, text: str) -> str:
    before = len(slack.calls_to("response_url"))
    body = slash_command("/deal", text, slack.response_url(f"o{before}"))
    assert post(app.events_url, body, content_type=FORM).status == 200
    return str(slack.wait_for("response_url", before + 1)[-1].params["text"])


def test_an_outage_is_survived(behind_proxy, slack: FakeSlack, monkeypatch):
    direct, proxied, proxy = behind_proxy
    app = RunningApp(Env(proxied, FakeClock()), slack)
    try:
        assert "Created" in say(app, slack, "new Acme amount=10k")
        proxy.cut()
        assert "database is not answering" in say(app, slack, "Acme amount=20k")
        proxy.restore()
        assert "Updated" in say(app, slack, "Acme amount=30k")  # recovered
        assert counts(direct) == (1, 2)

        # Mid-command: the version is written, then the connection dies before commit.
        original = store_deals.change_deal

        def dies_after_writing(*args: object, **kwargs: object) -> object:
            changed = original(*args, **kwargs)  # type: ignore[arg-type]
            args[0].flush()  # type: ignore[attr-defined]
            proxy.cut()
            return changed

        monkeypatch.setattr(store_deals, "change_deal", dies_after_writing)
        assert "database is not answering" in say(app, slack, "Acme amount=40k")
        monkeypatch.setattr(store_deals, "change_deal", original)
        proxy.restore()
        assert counts(direct) == (1, 2)  # nothing half-written
        with direct.transaction() as session:
            assert session.scalar(select(Deal.amount)) == 30000
        assert "Updated" in say(app, slack, "Acme amount=50k")
        assert counts(direct) == (1, 3)
    finally:
        app.stop()
