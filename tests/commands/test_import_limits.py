"""`council import deals` with rows the store cannot hold or the csv module refuses: the
bad rows are listed by line, the good ones load, and no traceback reaches the operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.run.cli import main
from commands import imports
from commands.context import Env
from store.db import Database
from store.models import Deal

HEADER = "Id,Name,StageName,Amount,CloseDate,CreatedDate,Owner.Name,Owner.Email,Description\r\n"


def good(n: int) -> str:
    return f"{n},Deal {n},Decision,{n}000,2026-12-15,2026-10-01,Jo Park,jo@example.com,fine\r\n"


def deals(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count(func.distinct(Deal.id)))) or 0


@pytest.fixture
def cli_database(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    return database


def test_an_owner_name_longer_than_its_column_is_refused_alone(
    env: Env, cli_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    rows = [good(n) for n in range(1, 11)]
    rows.insert(5, f"99,Too long,Decision,5000,2026-12-15,2026-10-01,{'O' * 300},,x\r\n")
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8", newline="")
    code = main(["import", "deals", str(path), "--workspace", "local"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err and "DataError" not in out + err
    assert "line 7" in out and "owner" in out and "255" in out, out
    assert deals(env) == 10


def test_a_huge_field_loads_and_one_beyond_the_limit_is_refused_alone(
    env: Env, cli_database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    rows = [good(n) for n in range(1, 11)]
    rows.insert(2, f'50,Big notes,Decision,5000,2026-12-15,2026-10-01,Jo,,"{"x" * 200_000}"\r\n')
    rows.insert(6, f'51,Huge notes,Decision,5000,2026-12-15,2026-10-01,Jo,,"{"y" * 3_000_000}"\r\n')
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8", newline="")
    code = main(["import", "deals", str(path), "--workspace", "local"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err and "Error" not in err, err
    assert "line 8" in out and "larger than" in out, out
    assert deals(env) == 11  # the ten good rows and the 200 KB one


def test_a_value_the_store_refuses_past_the_checks_costs_only_its_row(
    env: Env,
    cli_database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    if cli_database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps a string of any length")
    monkeypatch.setattr(imports, "_fits", lambda *args: None)  # as if no check foresaw it
    rows = [good(n) for n in range(1, 11)]
    rows.insert(5, f"99,Too long,Decision,5000,2026-12-15,2026-10-01,{'O' * 300},,x\r\n")
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8", newline="")
    code = main(["import", "deals", str(path), "--workspace", "local"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    assert "line 7: the database refused it: value too long" in out, out
    assert deals(env) == 10
