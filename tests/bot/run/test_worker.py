"""Answers are never lost: a slash command acknowledged by a web process that dies at once
is answered by a worker started afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port, wait_healthy
from tests.support.slack_requests import FORM, SECRET, post, slash_command

ROOT = Path(__file__).resolve().parents[3]
COUNCIL = [sys.executable, "-m", "bot.run.cli"]


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    # A session of its own, so the web process and its gunicorn workers die together.
    return subprocess.Popen(
        [*COUNCIL, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_a_command_whose_web_process_is_killed_after_its_ack_is_answered_by_a_worker(
    tmp_path: Path, slack: FakeSlack
):
    port = free_port()
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "SLACK_BOT_TOKEN": "xoxb-queue",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "1",
    }
    web = start(["serve", "--web-only", "--port", str(port)], env, tmp_path)
    try:
        wait_healthy(port, web)
        body = slash_command("/deal", "new Survivor amount=10k", slack.response_url("kept"))
        reply = post(f"http://127.0.0.1:{port}/slack/events", body, content_type=FORM)
        assert reply.status == 200
    finally:
        os.killpg(web.pid, signal.SIGKILL)
        web.communicate(timeout=30)
    time.sleep(0.5)
    assert slack.calls_to("response_url") == []  # nobody has answered it yet
    worker = start(["worker"], env, tmp_path)
    try:
        answer = slack.wait_for("response_url", timeout=60)[0]
        assert "Created Survivor" in answer.params["text"]
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output  # SIGTERM ends it cleanly
    assert "Traceback" not in output
