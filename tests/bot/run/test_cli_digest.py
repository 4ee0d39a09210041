"""`council digest` as an admin runs it, against the fake Slack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.run.cli import main
from commands.context import Actor, Env
from commands.councils import command as council
from commands.demo import load_demo
from store.db import Database
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import block_actions, post, slash_command

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")


@pytest.fixture
def cli_env(env: Env, database: Database, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    load_demo(env)
    council.run(env, ADMIN, "create <#C0COUNCIL1|pipeline> tz=Europe/Paris")
    return env


def test_dry_run_prints_the_digest_and_writes_its_image(cli_env: Env, capsys, tmp_path: Path):
    assert (
        main(["digest", "--council", "#pipeline", "--dry-run", "--image-dir", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "Pipeline council · pipeline · " in out and "What changed since last week" in out
    assert f"[image] {tmp_path / 'digest-apm.png'}" in out
    assert "↳ (thread) 🔴 R1" in out
    assert (tmp_path / "digest-apm.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "digest-pacing.png").read_bytes()[:4] == b"\x89PNG"


def test_posting_now_is_once_unless_forced(cli_env: Env, capsys, slack: FakeSlack):
    assert main(["digest", "--council", "pipeline"]) == 0
    first = len(slack.calls_to("chat.postMessage"))
    assert first > 1 and "pipeline: posted" in capsys.readouterr().out
    assert main(["digest", "--council", "pipeline"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert len(slack.calls_to("chat.postMessage")) == first
    assert main(["digest", "--council", "pipeline", "--force"]) == 0
    assert len(slack.calls_to("chat.postMessage")) == 2 * first


def test_an_unknown_council_is_named(cli_env: Env, capsys):
    assert main(["digest", "--council", "nope", "--dry-run"]) == 2
    assert "No council named `nope`. Councils: pipeline" in capsys.readouterr().err


def test_create_in_slack_takes_the_creators_time_zone_and_a_broken_button_is_explained(
    http_app: RunningApp, slack: FakeSlack
):
    form = "application/x-www-form-urlencoded"
    body = slash_command(
        "/council", "create <#C0SALES01|sales> day=tue time=8am", slack.response_url()
    )
    post(http_app.events_url, body, content_type=form)
    reply = slack.wait_for("response_url")[0]
    assert "every Tuesday at 08:00 Europe/Paris" in reply.params["text"]  # maya's Slack tz
    button = {
        "action_id": "cell.assign",
        "text": {"type": "plain_text", "text": "Assign owner"},
        "value": '{"label": "R3"}',
    }
    post(http_app.events_url, block_actions(button, slack.response_url("cell")), content_type=form)
    answer = slack.wait_for("response_url", 2)[-1]
    assert "That button no longer works" in answer.params["text"]


ROOT = Path(__file__).resolve().parents[3]


def test_nothing_writes_an_image_in_the_repository_root(cli_env, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["digest", "--council", "#pipeline", "--dry-run"]) == 0
    out = capsys.readouterr().out
    written = Path(out.split("[image] ", 1)[1].split("\n", 1)[0])
    assert written.read_bytes()[:4] == b"\x89PNG" and tmp_path not in written.parents
    assert not list(tmp_path.glob("*.png"))  # none in the working directory
    assert not list(ROOT.glob("*.png"))  # and nothing left in the checkout's root


def test_dry_run_makes_the_image_folder_it_is_given(cli_env: Env, capsys, tmp_path: Path):
    folder = tmp_path / "new" / "pictures"
    assert main(["digest", "--council", "#pipeline", "--dry-run", "--image-dir", str(folder)]) == 0
    assert (folder / "digest-apm.png").read_bytes()[:4] == b"\x89PNG"


def test_a_folder_that_cannot_be_written_is_one_line_not_a_traceback(
    cli_env: Env, capsys, tmp_path: Path
):
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    assert main(["digest", "--council", "#pipeline", "--dry-run", "--image-dir", str(taken)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == f"council: File exists: {taken}"


def test_an_unexpected_failure_is_one_line_not_a_traceback(
    cli_env: Env, capsys, monkeypatch: pytest.MonkeyPatch
):
    import commands.digest

    def broken(*_args: object) -> None:
        raise RuntimeError("the numbers are on fire")

    monkeypatch.setattr(commands.digest, "build_digest", broken)
    assert main(["digest", "--council", "#pipeline", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == (
        "council: digest failed (RuntimeError: the numbers are on fire). "
        "Run `council --log-level debug digest ...` for the details."
    )
