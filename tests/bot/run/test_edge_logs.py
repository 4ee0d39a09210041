"""What `council serve` writes to its log, at the default level and at DEBUG: never an
OAuth code or state (they are in the redirect's query string), never a `response_url`
(anyone holding one may post as the bot in that channel for half an hour)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.run import logs
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import KEY, free_port, wait_healthy
from tests.support.slack_requests import FORM, SECRET, post, slash_command

ROOT = Path(__file__).resolve().parents[3]
CODE, STATE = "c0de4711.exchangeable", "st4te0815-secret"
HOOK = "T0TEST001/B0HOOK/resp0nse-url-secret"


def serve(tmp_path: Path, slack: FakeSlack, port: int, level: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "oauth-client-secret",
        "COUNCIL_SECRET_KEY": KEY,  # OAuth mode keeps tokens sealed with it
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "1",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": level,
    }
    if not level:
        env.pop("LOG_LEVEL")  # the default level
    return subprocess.Popen(
        [sys.executable, "-m", "bot.run.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the install page sends the browser on to slack.com: not followed


def get(url: str) -> None:
    # A redirect, a refused or failed exchange is still logged: that is the point.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10).close()


@pytest.mark.parametrize("level", ["", "DEBUG"])
def test_oauth_codes_and_response_urls_never_reach_the_log(
    level: str, tmp_path: Path, slack: FakeSlack
):
    port = free_port()
    server = serve(tmp_path, slack, port, level)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(port, server)
        get(f"{base}/slack/install?state={STATE}")
        get(f"{base}/slack/oauth_redirect?code={CODE}&state={STATE}")
        response_url = f"{slack.base}/response/{HOOK}"
        body = slash_command("/deal", "list", response_url)
        assert post(f"{base}/slack/events", body, content_type=FORM).status == 200
        slack.wait_for("response_url")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "/slack/oauth_redirect" in output  # the request is logged, its query is not
    for secret in (CODE, STATE, HOOK, "resp0nse-url-secret"):
        assert secret not in output, f"{secret} in:\n{output}"


@pytest.mark.parametrize(
    "line",
    [
        '"GET /slack/oauth_redirect?code=c0de4711.exchangeable&state=st4te0815-secret HTTP/1.1"',
        "request: {'code': ['c0de4711.exchangeable'], 'state': ['st4te0815-secret']}",
        '{"response_url": "https://hooks.slack.com/commands/resp0nse-url-secret"}',
        "body: token=x&response_url=https%3A%2F%2Fhooks.slack.com%2Fresp0nse-url-secret&x=1",
        "posting to https://hooks.slack.com/actions/T1/resp0nse-url-secret failed",
        "Sending a request - url: http://10.0.0.1/resp0nse-url-secret, body: {}",
    ],
)
def test_every_form_of_an_oauth_code_or_response_url_is_hidden(line: str):
    hidden = logs.redact(line)
    assert "c0de4711" not in hidden and "st4te0815" not in hidden
    assert "resp0nse-url-secret" not in hidden and "[redacted]" in hidden
