"""Which workspace a `council` command means: the one given, the only one in the store, or
`local` in an empty store; with several, no command guesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.run.cli import main
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from store import workspaces
from store.db import Database

SLACK = Actor("T0SLACK01", "U0MAYA001", "Maya Chen", "slash_command", "Acme")
OTHER = Actor("T0OTHER01", "U0OLA0001", "Ola Berg", "slash_command", "Other")


@pytest.fixture
def cli(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    return database


def ids(env: Env) -> list[str]:
    with env.db.transaction() as session:
        return sorted(workspaces.workspace_ids(session))


def test_demo_data_fills_the_only_workspace_whose_council_digest_then_finds(
    env: Env, cli: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    assert "created" in str(council.run(env, SLACK, "create <#C0SALES01|sales> tz=UTC"))
    assert main(["demo-data", "--deals", "30", "--years", "1"]) == 0
    assert "Created workspace T0SLACK01" in capsys.readouterr().out
    assert ids(env) == ["T0SLACK01"]  # no `local` beside it
    assert main(["digest", "--council", "sales", "--dry-run", "--image-dir", str(tmp_path)]) == 0
    assert "Pipeline council · sales" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["demo-data", "--deals", "30", "--years", "1"],
        ["apm", "--by", "region"],
        ["digest", "--council", "sales", "--dry-run"],
        ["console"],
    ],
)
def test_with_several_workspaces_every_command_names_them_and_asks(
    env: Env, cli: Database, capsys: pytest.CaptureFixture[str], args: list[str]
):
    council.run(env, SLACK, "create <#C0SALES01|sales> tz=UTC")
    deal.run(env, OTHER, "new Other deal amount=5k close=eoq")
    deal.run(env, Actor("local", "U0DEMO001", "Maya", "console"), "new Local deal amount=1k")
    before = ids(env)
    assert before == ["T0OTHER01", "T0SLACK01", "local"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in before) and "--workspace" in err, err
    assert "Traceback" not in err and ids(env) == before
