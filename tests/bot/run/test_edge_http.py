"""What a stranger can send to `/slack/events` before any signature is checked: a huge
body, a slow body, a timestamp that is not a number, bytes that are not UTF-8. Each is
answered at the edge, quickly, with a 4xx and no traceback, and nothing runs."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.run.wsgi import BODY_SECONDS
from commands.context import Env
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp, free_port, wait_healthy
from tests.support.slack_requests import FORM, SECRET, signature, slash_command

ROOT = Path(__file__).resolve().parents[3]


def send(
    app: RunningApp, body: bytes, headers: dict[str, str], timeout: float = 5
) -> tuple[int, bytes]:
    port = app.server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def signed(body: bytes, stamp: str) -> dict[str, str]:
    """Headers signing `body`'s exact bytes, as Slack would."""
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    mac = "v0=" + digest.hexdigest()
    return {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": mac}


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_huge_forged_body_is_refused_before_it_is_read(
    http_app: RunningApp, slack: FakeSlack, caplog: pytest.LogCaptureFixture
):
    # Only the headers are sent: a server that waited to read 200 MB would never answer.
    port = http_app.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode() + b"\r\n"
            b"X-Slack-Request-Timestamp: " + str(int(time.time())).encode() + b"\r\n"
            b"X-Slack-Signature: v0=forged\r\nContent-Length: 200000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.") and b" 413 " in answer.split(b"\r\n")[0], answer
    assert time.monotonic() - started < 2
    assert failures(caplog) == [] and slack.calls_to("response_url") == []


@pytest.mark.parametrize("stamp", ["abc", "", "1e9", "-5", "12a", "²"])
def test_a_timestamp_that_is_not_a_number_gets_401_quietly(
    stamp: str, http_app: RunningApp, slack: FakeSlack, caplog: pytest.LogCaptureFixture
):
    body = slash_command("/deal", "new Sneaky amount=1", slack.response_url()).encode()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp}
    headers["X-Slack-Signature"] = signature(SECRET, stamp, body.decode())
    status, _ = send(http_app, body, headers)
    assert status == 401
    assert failures(caplog) == [] and slack.calls_to("response_url") == []


@pytest.mark.parametrize("forged", [False, True])
def test_a_body_that_is_not_utf8_gets_400_or_401_quietly(
    forged: bool, http_app: RunningApp, slack: FakeSlack, env: Env, caplog
):
    body = b"command=%2Fdeal&text=\xff\xfe\xc3(&team_id=T0TEST001"
    headers = signed(body, str(int(time.time())))
    if forged:
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    status, _ = send(http_app, body, headers)
    assert status == (401 if forged else 400)
    assert failures(caplog) == [] and slack.calls_to("response_url") == []


def test_a_body_shorter_than_declared_or_without_length_is_refused(http_app: RunningApp):
    stamp = str(int(time.time()))
    port = http_app.server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Request-Timestamp: "
            + stamp.encode()
            + b"\r\nX-Slack-Signature: v0=x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        assert b" 411 " in raw.recv(4096).split(b"\r\n")[0]


def serve(tmp_path: Path, slack: FakeSlack, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "SLACK_BOT_TOKEN": "xoxb-edge",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "LOG_FORMAT": "text",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.run.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def slow_sender(port: int, stop: threading.Event) -> socket.socket:
    """A request whose body trickles in, a byte every half second, so that no single read
    ever waits long."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    raw.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: " + FORM.encode() + b"\r\n"
        b"X-Slack-Request-Timestamp: " + str(int(time.time())).encode() + b"\r\n"
        b"X-Slack-Signature: v0=forged\r\nContent-Length: 1000\r\n\r\n"
    )

    def trickle() -> None:
        with contextlib.suppress(OSError):
            while not stop.wait(0.5):
                raw.sendall(b"x")

    threading.Thread(target=trickle, daemon=True).start()
    return raw


def test_slow_bodies_are_cut_off_and_healthz_still_answers(tmp_path: Path, slack: FakeSlack):
    """Every thread of the one worker taken by a slow sender; the server frees them."""
    port = free_port()
    server = serve(tmp_path, slack, port)
    senders: list[socket.socket] = []
    stop = threading.Event()
    try:
        wait_healthy(port, server)
        senders = [slow_sender(port, stop) for _ in range(2)]
        time.sleep(0.5)  # both threads are now waiting on a body
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=BODY_SECONDS + 5)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200
        assert time.monotonic() - started < BODY_SECONDS + 2
        for sender in senders:
            assert b" 408 " in sender.recv(4096).split(b"\r\n")[0]
    finally:
        stop.set()
        for sender in senders:
            sender.close()
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output
