"""A hand-counted quarter of leads, loaded through the CLI (fixture.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.run.cli import main
from store.db import Database
from store.models import Person
from tests.commands.sla import fixture


@pytest.fixture
def loaded(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    paths = fixture.write(tmp_path)
    assert main(["import", "deals", str(paths["deals"])]) == 0
    code = main(["import", "leads", str(paths["leads"]), "--map", "MQL_Date__c=MQLDate"])
    out = capsys.readouterr().out
    assert code == 1  # three rows refused, the rest loaded
    assert "13 rows" in out
    for line, reason in fixture.BAD_LINES.items():
        assert f"line {line}: {reason}" in out
    assert "10 created" in out
    assert main(["import", "targets", str(paths["targets"])]) == 0
    with database.transaction() as session:
        ben = session.scalar(select(Person).where(Person.display_name == "Ben"))
        assert ben is not None
        ben.timezone = "America/New_York"
    capsys.readouterr()
    return database
