"""The `council` command as operators run it: real processes, real files, real ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.run.cli import main
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import free_port, wait_healthy
from tests.support.slack_requests import SECRET, post, slash_command

COUNCIL = [sys.executable, "-m", "bot.run.cli"]
ROOT = Path(__file__).resolve().parents[3]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str = ""):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        COUNCIL + args,
        cwd=cwd,
        env=clean | (env or {}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_entry_point_answers_help(tmp_path: Path):
    result = run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: council" in result.stdout and "console" in result.stdout


@pytest.mark.parametrize("args", [["console"], ["serve"], ["socket"], ["db"], ["db", "upgrade"]])
def test_every_command_has_help(args: list[str], capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    assert f"usage: council {' '.join(args)}" in capsys.readouterr().out


def test_console_demo_on_a_fresh_machine_needs_no_slack_and_no_setup(tmp_path: Path):
    result = run(["console", "--demo"], tmp_path, stdin="/deal list all\n/deal help\n")
    assert result.returncode == 0, result.stderr
    assert "Loaded demo organisation: 7 people, 120 deals." in result.stdout
    assert "All open deals" in result.stdout and "Keep your deals current" in result.stdout
    assert (tmp_path / "council.db").exists()
    again = run(["console", "--demo"], tmp_path, stdin="")
    assert "Using the already loaded demo organisation" in again.stdout
    assert f"Its data lives in {tmp_path / 'council.db'}" in again.stdout
    assert "`council console --demo --reset` starts afresh" in again.stdout


def test_console_demo_reset_starts_from_a_fresh_file(tmp_path: Path):
    run(["console", "--demo"], tmp_path, stdin="/deal new Zeta amount=5k\n")
    kept = run(["console", "--demo"], tmp_path, stdin="/deal find Zeta\n")
    assert "Zeta" in kept.stdout.split("Deals matching")[1]
    fresh = run(["console", "--demo", "--reset"], tmp_path, stdin="/deal find Zeta\n")
    assert fresh.returncode == 0, fresh.stderr
    assert f"Removed {tmp_path / 'council.db'}: starting afresh." in fresh.stdout
    assert "Loaded demo organisation: 7 people, 120 deals." in fresh.stdout
    assert "No deal matches “Zeta”." in fresh.stdout
    server = run(["console", "--reset"], tmp_path, env={"DATABASE_URL": "postgresql://u:pw@h/db"})
    assert "--reset only removes an SQLite file; postgresql+psycopg://u:***@h/db" in server.stderr


def test_db_upgrade_migrates_the_configured_database(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    result = run(["db", "upgrade"], tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "is current" in result.stdout


@pytest.mark.parametrize(
    ("command", "needs"), [("serve", "SLACK_SIGNING_SECRET"), ("socket", "SLACK_APP_TOKEN")]
)
def test_slack_modes_say_which_setting_is_missing(command: str, needs: str, tmp_path: Path):
    result = run([command], tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode != 0
    assert needs in result.stderr and "Traceback" not in result.stderr


def test_serve_runs_gunicorn_with_health_and_signed_slack_requests(
    tmp_path: Path, slack: FakeSlack
):
    port = free_port()
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "SLACK_BOT_TOKEN": "xoxb-serve",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [*COUNCIL, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_healthy(port, server) == b"ok\n"
        url = f"http://127.0.0.1:{port}/slack/events"
        body = slash_command("/deal", "new Served deal amount=10k", slack.response_url("s"))
        reply = post(url, body, content_type="application/x-www-form-urlencoded")
        assert reply.status == 200
        answer = slack.wait_for("response_url")[0]
        assert "Created Served deal" in answer.params["text"]
        forged = post(url, body, content_type="application/x-www-form-urlencoded", secret="x")
        assert forged.status == 401
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # Production logs: one JSON object per line, with no token or secret anywhere.
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line.get("command") == "/deal" for line in lines), output
    assert all({"at", "level", "logger", "message"} <= set(line) for line in lines)
    assert "xoxb-serve" not in output and SECRET not in output
