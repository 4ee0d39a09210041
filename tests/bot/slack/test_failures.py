"""What people see when something breaks: a plain message, never a stack trace."""

from __future__ import annotations

import json

from bot.slack.app import create_app
from bot.slack.settings import Settings
from commands.context import Env
from store.db import Database
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, SECRET, post, slash_command


def test_database_down_tells_the_user_to_try_again(slack: FakeSlack):
    unreachable = Env(Database("postgresql+psycopg://postgres@127.0.0.1:9/none"), FakeClock())
    running = RunningApp(unreachable, slack)
    try:
        body = slash_command("/deal", "Acme amount=5k", slack.response_url("down"))
        assert post(running.events_url, body, content_type=FORM).status == 200
        reply = slack.wait_for("response_url")[0]
        assert "database is not answering" in reply.params["text"]
        assert "Traceback" not in json.dumps(reply.params)
    finally:
        running.stop()


def test_an_unexpected_failure_is_a_short_apology(env: Env, slack: FakeSlack, monkeypatch):
    from commands.registry import SLASH_COMMANDS

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("internal detail")

    monkeypatch.setitem(SLASH_COMMANDS, "/deal", broken)
    running = RunningApp(env, slack)
    try:
        body = slash_command("/deal", "Acme", slack.response_url("boom"))
        post(running.events_url, body, content_type=FORM)
        reply = slack.wait_for("response_url")[0]
        assert "Something went wrong on our side and nothing was changed" in reply.params["text"]
        assert "internal detail" not in json.dumps(reply.params)
    finally:
        running.stop()


def test_settings_follow_slack_api_url(monkeypatch, slack: FakeSlack, env: Env):
    monkeypatch.setenv("SLACK_API_URL", slack.api_url.rstrip("/"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    settings = Settings.from_env()
    assert settings.api_url == slack.api_url
    create_app(env, settings)
    assert slack.calls_to("auth.test")[0].headers["Authorization"] == "Bearer xoxb-1"
