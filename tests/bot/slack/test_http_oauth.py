"""Many workspaces by OAuth: install through `/slack/install` and `/slack/oauth_redirect`,
per-workspace tokens for requests and scheduled work, and uninstalling that stops the
jobs and keeps the data."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select, text

from bot.slack.app import web_client
from bot.slack.oauth import NotInstalled, clients_for
from bot.webapi.outlet import outlets
from commands.actions import assign as assigning
from commands.context import Actor, Env
from commands.councils import command as council
from schedules.clock import follow_up
from schedules.digests import deliver
from store.models import Council, Deal, Workspace
from tests.support.actions import assign_spiff
from tests.support.clock import FakeClock
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import FORM, User, event_callback, post, slash_command

JSON = "application/json"  # how Slack posts events
NEW = User("U0NEWADM1", "newadmin", "T0NEW0001")
NEVER = User("U0NEVER01", "never", "T0NEVER01")


@pytest.fixture
def oauth_app(env: Env, slack: FakeSlack) -> Iterator[RunningApp]:
    running = RunningApp(env, slack, oauth=True)
    yield running
    running.stop()


def get(app: RunningApp, path: str, headers: dict[str, str] | None = None):
    host, port = app.server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.headers, response.read().decode()


def install(app: RunningApp) -> tuple[int, str]:
    status, headers, _ = get(app, "/slack/install")
    assert status == 302
    location = urlparse(headers["Location"])
    assert location.netloc == "slack.com" and location.path == "/oauth/v2/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == ["111.222"] and "commands" in query["scope"][0]
    state = query["state"][0]
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, body = get(app, f"/slack/oauth_redirect?code=c0de&state={state}", {"Cookie": cookie})
    return status, body


def event(team: str, kind: str, extra: dict | None = None) -> str:
    return event_callback({"type": kind, **(extra or {})}, f"Ev{kind}{team}", team)


def council_of(env: Env, team: str) -> int:
    with env.db.transaction() as session:
        found = session.scalar(select(Council.id).where(Council.workspace_id == team))
    assert found is not None
    return found


def wait_until_uninstalled(env: Env, team: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        with env.db.transaction() as session:
            workspace = session.get(Workspace, team)
            assert workspace is not None
            if workspace.uninstalled_at is not None:
                return
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_install_then_commands_and_jobs_use_the_workspaces_own_token(
    env: Env, slack: FakeSlack, oauth_app: RunningApp
):
    status, _ = install(oauth_app)
    assert status == 200
    assert [c.params["code"] for c in slack.calls_to("oauth.v2.access")] == ["c0de"]
    with env.db.transaction() as session:
        workspace = session.get(Workspace, "T0NEW0001")
        assert workspace is not None and workspace.uninstalled_at is None
        tokens = session.execute(text("SELECT bot_token FROM slack_bots")).scalars().all()
    # Sealed with COUNCIL_SECRET_KEY (tests/bot/slack/test_tokens_at_rest.py).
    assert len(tokens) == 1 and tokens[0].startswith("fernet:") and "xoxb" not in tokens[0]
    # A command from the new workspace is answered, with its own token for the Web API.
    url = slack.response_url("new")
    body = slash_command("/council", "create <#C0NEW0001|pipeline>", url, NEW)
    assert post(oauth_app.events_url, body, content_type=FORM).status == 200
    assert "pipeline" in slack.wait_for("response_url")[-1].params["text"]
    users_info = slack.calls_to("users.info")[-1]
    assert users_info.headers.get("Authorization") == "Bearer xoxb-installed-T0NEW0001"
    # Scheduled work finds the same token: the council's digest goes out with it.
    client_for = clients_for(env, oauth_app.settings, web_client)
    assert client_for("T0NEW0001").token == "xoxb-installed-T0NEW0001"
    assert deliver(env, outlets(client_for), council_of(env, "T0NEW0001")).status == "posted"
    posts = slack.calls_to("chat.postMessage")
    assert posts and {c.headers.get("Authorization") for c in posts} == {
        "Bearer xoxb-installed-T0NEW0001"
    }


def test_a_workspace_that_never_installed_gets_nothing_done(
    env: Env, slack: FakeSlack, oauth_app: RunningApp
):
    url = slack.response_url("never")
    body = slash_command("/deal", "new Sneaky deal amount=1k", url, NEVER)
    reply = post(oauth_app.events_url, body, content_type=FORM)
    assert reply.status in (200, 401)
    time.sleep(0.3)
    with env.db.transaction() as session:
        assert session.get(Workspace, "T0NEVER01") is None
        assert session.scalar(select(func.count()).select_from(Deal)) == 0
    with pytest.raises(NotInstalled):
        clients_for(env, oauth_app.settings, web_client)("T0NEVER01")


@pytest.mark.parametrize(
    "kind, extra",
    [("app_uninstalled", {}), ("tokens_revoked", {"tokens": {"bot": ["U0BOT0002"]}})],
)
def test_uninstalling_stops_the_jobs_and_keeps_the_data(
    env: Env, slack: FakeSlack, oauth_app: RunningApp, kind: str, extra: dict
):
    install(oauth_app)
    url = slack.response_url("deal")
    body = slash_command("/deal", "new Kept deal amount=5k", url, NEW)
    post(oauth_app.events_url, body, content_type=FORM)
    slack.wait_for("response_url")
    reply = post(oauth_app.events_url, event("T0NEW0001", kind, extra), content_type=JSON)
    assert reply.status == 200
    wait_until_uninstalled(env, "T0NEW0001")
    with env.db.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0
        assert session.scalar(select(func.count()).select_from(Deal)) == 1  # kept
    with pytest.raises(NotInstalled):
        clients_for(env, oauth_app.settings, web_client)("T0NEW0001")
    # Installing again brings it back.
    install(oauth_app)
    with env.db.transaction() as session:
        workspace = session.get(Workspace, "T0NEW0001")
        assert workspace is not None and workspace.uninstalled_at is None


def test_reminders_and_weekly_dms_go_out_with_each_workspaces_own_token(
    env: Env, slack: FakeSlack, oauth_app: RunningApp, clock: FakeClock
):
    clock.current = datetime(2026, 11, 23, 8, tzinfo=UTC)  # a Monday, before the DMs' hour
    admins = {"T0NEW0001": NEW, "T0NEW0002": User("U0TWOADM1", "twoadmin", "T0NEW0002")}
    for team, admin in admins.items():
        slack.oauth_team, slack.oauth_user = team, admin.id
        assert install(oauth_app)[0] == 200
        url = slack.response_url(team)
        body = slash_command("/deal", "new Acme stage=Decision amount=100k close=12/10", url, admin)
        post(oauth_app.events_url, body, content_type=FORM)
        assert "Created" in slack.wait_for("response_url")[-1].params["text"]
        me = Actor(team, admin.id, admin.name, "console")
        council.run(env, me, "create #pipeline dimensions=product tz=UTC")
        owner = f"<@{admin.id}|{admin.name}>"
        assigned = assign_spiff(env, me, owner, council_id=council_of(env, team), due="2026-11-24")
        assert isinstance(assigned, assigning.ActionAssigned), assigned
    slack.calls.clear()
    client_for = outlets(clients_for(env, oauth_app.settings, web_client))
    clock.current = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    follow_up(env, client_for)  # the clock's five-minute job
    posts = slack.calls_to("chat.postMessage")
    assert {(c.params["channel"], c.headers.get("Authorization")) for c in posts} == {
        ("U0NEWADM1", "Bearer xoxb-installed-T0NEW0001"),
        ("U0TWOADM1", "Bearer xoxb-installed-T0NEW0002"),
    }
    for admin in admins.values():
        texts = [m["text"] for m in slack.messages_in(admin.id)]
        assert any("due tomorrow" in t for t in texts), texts  # the reminder
        assert any("Forecast questions" in t for t in texts), texts  # the weekly checklist
    # The second workspace uninstalls: the next day its reminder does not go out.
    post(oauth_app.events_url, event("T0NEW0002", "app_uninstalled"), content_type=JSON)
    wait_until_uninstalled(env, "T0NEW0002")
    slack.calls.clear()
    clock.current = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    follow_up(env, client_for)
    assert [c.params["channel"] for c in slack.calls_to("chat.postMessage")] == ["U0NEWADM1"]


def test_with_token_rotation_the_jobs_refresh_an_expiring_token_first(
    env: Env, slack: FakeSlack, oauth_app: RunningApp
):
    slack.rotation = True  # the install's token expires in a minute
    assert install(oauth_app)[0] == 200
    client_for = clients_for(env, oauth_app.settings, web_client)
    assert client_for("T0NEW0001").token == "xoxb-refreshed-1"
    refresh = slack.calls_to("oauth.v2.access")[-1].params
    assert (
        refresh["grant_type"] == "refresh_token" and refresh["refresh_token"] == "xoxe-1-refresh-0"
    )
    # The refreshed token lasts 12 hours: kept, and used without another refresh.
    assert client_for("T0NEW0001").token == "xoxb-refreshed-1"
    assert slack.refreshes == 1
