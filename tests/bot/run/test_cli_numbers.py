"""`council import`, `council apm` and `council coverage` as operators script them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.run.cli import main
from store.db import Database
from tests.support.crm import MAVEN_MAP, MAVEN_STAGES, crm_file

MAVEN_ARGS = [f"--map={k}={v}" for k, v in MAVEN_MAP.items()] + [
    f"--stage-map={k}={v}" for k, v in MAVEN_STAGES.items()
]


@pytest.fixture
def store_url(database: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    url = database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def council(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_apm_and_coverage_on_maven(store_url: str, capsys, tmp_path: Path):
    path = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    code, out, _ = council(["import", "deals", str(path), *MAVEN_ARGS], capsys)
    assert code == 0 and "8,800 rows" in out and "8,800 created" in out
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "period,dimension,value,metric,amount\n"
        "2017-Q4,total,,closed,3000000\n"
        "2017-Q4,product,GTX Basic,closed,100000\n"
        "2017-Q4,product,GTX Basic,pipegen,50k\n"
        "2017-Q4,region,Nowhere,bogus,1\n"
    )
    code, out, _ = council(["import", "targets", str(targets)], capsys)
    assert code == 1 and "3 targets saved, 1 refused" in out
    assert "line 5: `bogus` is not a target metric" in out

    code, out, _ = council(
        ["apm", "--by", "product", "--period", "2017-Q4", "--as-of", "2017-12-31", "--json"],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"period", "as_of", "dimension", "rows", "total"}
    assert (data["period"], data["as_of"], data["dimension"]) == (
        "2017-Q4",
        "2017-12-31T23:59:59.999999+00:00",  # the end of the day: SPEC section 3
        "product",
    )
    values = [row["value"] for row in data["rows"]]
    assert values == sorted(values)
    basic = next(row for row in data["rows"] if row["value"] == "GTX Basic")
    assert set(basic) == {"value", "forecast", "closed", "open", "pipegen", "coverage"}
    for name, cell in basic.items():
        if isinstance(cell, dict):
            # Coverage also says what the cell's win rate needs (SPEC section 7).
            extra = {"needed"} if name == "coverage" else set()
            assert set(cell) == {"value", "prior", "yoy", "target", "color", *extra}
    closed = basic["closed"]
    assert closed["target"] == "100000.00" and closed["color"] == "green"
    assert closed["value"].endswith(".00") and isinstance(closed["value"], str)
    assert basic["coverage"]["value"] == "met"
    assert data["total"]["closed"]["target"] == "3000000.00"
    assert data["total"]["closed"]["value"] == "2802496.00"  # see the independent count test
    assert isinstance(data["total"]["pipegen"]["yoy"], float)

    code, out, _ = council(
        ["coverage", "--period", "2017-Q4", "--as-of", "2017-12-31", "--json"], capsys
    )
    assert json.loads(out) == {
        "open": "0.00",
        "closed": "2802496.00",
        "target": "3000000.00",
        "remaining": "197504.00",
        "coverage": 0.0,
        "color": "red",
    }
    code, out, _ = council(
        ["apm", "--by", "product", "--period", "2017-Q4", "--as-of", "2017-12-31"], capsys
    )
    assert "APM by product · 2017-Q4" in out and "GTX Basic" in out and "🟢" in out


def test_import_reports_refusals_and_exits_1(store_url: str, capsys):
    path = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    args = ["import", "deals", str(path), *MAVEN_ARGS[:-1], "--dry-run", "--known-stages-only"]
    code, out, _ = council(args, capsys)
    assert code == 1
    assert out.startswith("Checked (dry run, nothing saved) sales_pipeline.csv: 8,800 rows")
    assert "line 11: unknown stage `Engaging`" in out
    assert "Map them: --stage-map 'Engaging=OURS'" in out


def test_cli_errors_are_one_line(store_url: str, capsys, tmp_path: Path):
    assert council(["import", "deals", str(tmp_path / "none.csv")], capsys)[2].startswith(
        "council: no file"
    )
    code, _, err = council(["apm", "--by", "product", "--period", "someday"], capsys)
    assert code == 2 and "not a period" in err
    code, _, err = council(["coverage", "--by", "region"], capsys)
    assert code == 2 and "--by and --value go together" in err
