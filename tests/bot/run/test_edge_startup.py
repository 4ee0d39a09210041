"""`council serve` from its first moment: no control socket, no request reset at start-up.

gunicorn 25 and later open a control socket by default, one path shared by every gunicorn
of the same user; workers were logged "was sent SIGPIPE!" just after boot and the request
in flight was reset. The server is started with its own HOME here, so a socket it made
would be seen, and asked requests from the first moment it accepts a connection."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port
from tests.support.slack_requests import SECRET

COUNCIL = [sys.executable, "-m", "bot.run.cli"]
ROOT = Path(__file__).resolve().parents[3]
STARTS = int(os.environ.get("EDGE_STARTS", "2"))
REQUESTS_PER_START = int(os.environ.get("EDGE_REQUESTS", "20"))


def start(home: Path, port: int, slack: FakeSlack) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.pop("XDG_RUNTIME_DIR", None)
    env |= {
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{home / 'web.db'}",
        "SLACK_BOT_TOKEN": "xoxb-startup",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "text",
    }
    return subprocess.Popen(
        [*COUNCIL, "serve", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def healthz(port: int) -> int | None:
    """`/healthz`'s status, or None when nothing listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
    except ConnectionRefusedError:
        return None
    try:
        return connection.getresponse().status
    finally:
        connection.close()


def requests_from_the_first_moment(port: int, server: subprocess.Popen[str]) -> list[str]:
    """Requests sent as soon as the port accepts; the failures (a reset, an error)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            first = healthz(port)
        except OSError as error:
            return [f"first request: {type(error).__name__}: {error}"]
        if first is not None:
            break
        assert server.poll() is None and time.monotonic() < deadline, "server never answered"
        time.sleep(0.01)
    failures = [] if first == 200 else [f"first request: HTTP {first}"]
    for _ in range(REQUESTS_PER_START - 1):
        try:
            status = healthz(port)
        except OSError as error:
            failures.append(f"{type(error).__name__}: {error}")
            continue
        if status != 200:
            failures.append(f"HTTP {status}")
    return failures


def test_serve_opens_no_control_socket_and_resets_no_request_at_start_up(
    tmp_path: Path, slack: FakeSlack
):
    failures: list[str] = []
    logs: list[str] = []
    for attempt in range(STARTS):
        home = tmp_path / f"start{attempt}"
        home.mkdir()
        port = free_port()
        server = start(home, port, slack)
        try:
            failures += requests_from_the_first_moment(port, server)
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=30)
        logs.append(output)
        # Nothing running as this user may reach into the server, or shut it down.
        assert not (home / ".gunicorn").exists(), output
    output = "\n".join(logs)
    # The figure for RELIABILITY.md (run with -s, EDGE_STARTS and EDGE_REQUESTS).
    print(
        f"\nstarts={STARTS} requests={STARTS * REQUESTS_PER_START} failed={len(failures)} "
        f"workers_killed_by_sigpipe={output.count('SIGPIPE')}"
    )
    assert "SIGPIPE" not in output, output
    assert "control socket" not in output.lower(), output
    assert failures == [], f"{len(failures)} of {STARTS * REQUESTS_PER_START} failed: {failures}"
