"""Imports of the real exports in ../shared/data/crm and of files made to be difficult."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commands import apm, imports
from commands.apm import Apm
from commands.context import Actor, Env
from commands.deals import command as deal
from commands.deals.results import DealCard
from commands.parsing import ParseError
from store.models import Deal, DealVersion, Person
from tests.support.crm import MAVEN_MAP, MAVEN_STAGES, crm_file

CLI = Actor("T0TEST001", "cli", "council CLI", "cli")


def count(env: Env, model: type, *where: object) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def maven(env: Env, name: str = "sales_pipeline.csv", **options: object):
    path = crm_file("maven_crm_sales_opportunities", name)
    return imports.import_deals(
        env, CLI, path, column_map=MAVEN_MAP, stage_map=MAVEN_STAGES, **options
    )


def test_maven_loads_every_row_and_a_second_run_changes_nothing(env: Env):
    report = maven(env)
    assert (report.rows, report.created, len(report.bad)) == (8800, 8800, 0)
    assert report.flags["no created date: taken as the import date"] == 500
    assert report.flags["open deal without an amount"] == 2089
    assert count(env, Deal) == 8800
    assert count(env, Person) == 30  # the agents with deals
    again = maven(env, "variant_mdy_dates/sales_pipeline.csv")  # M/D/YYYY dates, LF endings
    assert (again.created, again.changed, again.unchanged) == (0, 0, 8800)


def test_maven_2017_q4_matches_an_independent_count(env: Env):
    maven(env)
    path = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    closed: dict[str, Decimal] = {}
    generated: dict[str, Decimal] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            value = Decimal(row["close_value"] or 0)
            product = row["product"]
            if row["deal_stage"] == "Won" and "2017-10-01" <= row["close_date"] <= "2017-12-31":
                closed[product] = closed.get(product, Decimal(0)) + value
            if "2017-10-01" <= row["engage_date"] <= "2017-12-31":
                generated[product] = generated.get(product, Decimal(0)) + value
    result = apm.build_apm(env, CLI, "product", "2017-Q4", "2017-12-31")
    assert isinstance(result, Apm)
    assert {r.value: r.closed.value for r in result.rows} == closed
    assert {r.value: r.pipegen.value for r in result.rows} == generated
    assert result.total.closed.value == sum(closed.values())
    assert result.total.open.value == 0  # open Maven deals have no close date


def test_unknown_stages_are_refused_by_line_and_good_rows_still_load(env: Env):
    path = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    report = imports.import_deals(env, CLI, path, column_map=MAVEN_MAP, new_stages=False)
    assert report.created == 7211 and len(report.bad) == 1589
    assert report.bad[0] == (11, "unknown stage `Engaging`")
    assert report.unknown_stages == {"Engaging": 1589}


def test_salesforce_api_export_with_bom_and_timestamps(env: Env):
    path = crm_file("salesforce_data_cloud_workshop", "Opportunity.csv")
    stages = {
        "Discovery": "Prospecting",
        "Proposal/Quote": "Consideration",
        "Negotiation": "Decision",
    }
    report = imports.import_deals(env, CLI, path, stage_map=stages)
    assert (report.created, report.bad) == (50, [])
    with env.db.transaction() as session:
        products = session.scalars(select(Deal.product).distinct()).all()
        created = session.scalars(select(Deal.created_date).distinct()).all()
    assert "Merchant Services" in products
    assert len(created) == 1  # one load timestamp for every row, read as its date


def test_salesforce_report_export_with_history(env: Env):
    opportunities = crm_file("salesforce_powerbi_demo", "Opportunity.csv")
    stages = {
        "Needs Analysis": "Qualification",
        "Value Proposition": "Consideration",
        "Id. Decision Makers": "Consideration",
        "Perception Analysis": "Consideration",
        "Proposal/Price Quote": "Decision",
        "Negotiation/Review": "Decision",
    }
    report = imports.import_deals(env, CLI, opportunities, stage_map=stages)
    assert report.created == 36 and not report.bad
    assert report.flags["close date before created date: closed on its created date"] > 0
    history = crm_file("salesforce_powerbi_demo", "OpportunityHistory.csv")
    backfill = imports.import_history(env, CLI, history, stage_map=stages)
    assert backfill.rows == 48 and not backfill.bad
    assert (backfill.changed, backfill.unchanged) == (48, 0)  # every row added
    versions = count(env, DealVersion)
    # The same file again adds nothing and says so, row by row.
    rerun = imports.import_history(env, CLI, history, stage_map=stages)
    assert (rerun.changed, rerun.unchanged) == (0, 48)
    assert count(env, DealVersion) == versions
    with env.db.transaction() as session:
        sources = set(session.scalars(select(DealVersion.change_source).distinct()))
    # The history's rows, and the export's current values where they are newer.
    assert "history" in sources and sources <= {"history", "import"}


def test_hostile_strings_load_verbatim_and_render_inert(env: Env, maya: Actor):
    path = crm_file("salesforce_apex_recipes", "Opportunities.csv")
    stages = {
        "Id. Decision Makers": "Consideration",
        "Negotiation/Review": "Decision",
        "Assigned dynamically": "Prospecting",
        "Prospecting": "Prospecting",
        "Value Proposition": "Consideration",
        "Needs Analysis": "Qualification",
        "Perception Analysis": "Consideration",
        "Proposal/Price Quote": "Decision",
    }
    report = imports.import_deals(env, maya, path, stage_map=stages)
    # Two rows named alike with no Id are two deals (issue 16: never merged by name).
    assert report.flags["the same deal twice in the file: the later row wins"] == 0
    assert report.created + len(report.bad) == 50
    assert not [b for b in report.bad if "stage" not in b[1]], report.bad
    again = imports.import_deals(env, maya, path, stage_map=stages)
    assert again.created == 0  # rows without an Id are recognised by name and account
    with env.db.transaction() as session:
        names = session.scalars(select(Deal.name)).all()
    assert "Pelican, great white" in names  # a quoted comma
    card = deal.run(env, maya, "show Pelican, great white")
    assert isinstance(card, DealCard)


def test_difficult_file_crlf_quotes_currency_and_bad_rows(env: Env, tmp_path: Path):
    text = (
        "\ufeffId,Name,StageName,Amount,CloseDate,CreatedDate,Owner.Name,Owner.Email,Region\r\n"
        '1,"Acme, Inc. renewal",Decision,"$1,200,000.50",12/15/2026,2026-10-01T09:00:00Z,'
        "Jo Park,jo@example.com,EMEA\r\n"
        "2,Globex,Closed Won,€50k,2026-11-01,2026-10-02,Jo Park,JO@example.com,emea\r\n"
        "3,Initech,Decision,lots,2026-12-01,2026-10-03,,,\r\n"
        "4,Umbrella,Decision,5000,2026-13-45,2026-10-03,,,\r\n"
        "5,,Decision,5000,2026-12-01,2026-10-03,,,\r\n"
        "6,Hooli,Negotiating,-5,2026-12-01,2026-10-03,,,\r\n"
        '7,"Multi\nline",Qualification,,,2026-10-04,,,\r\n'
    )
    report = imports.import_deals(env, CLI, write(tmp_path / "d.csv", text))
    assert report.created == 3
    assert report.bad == [
        (4, "`lots` is not an amount"),
        (5, "close date: `2026-13-45` is not a real date"),
        (6, "no name"),
        (7, "amounts cannot be negative"),  # its stage, new here, is added from the file
    ]
    assert report.flags["open deal without an amount"] == 1
    with env.db.transaction() as session:
        acme = session.scalar(select(Deal).where(Deal.external_id == "1"))
        assert acme is not None
        assert (acme.amount, acme.close_date, acme.region) == (
            Decimal("1200000.50"),
            date(2026, 12, 15),
            "EMEA",
        )
        owners = session.scalars(select(Person.email).where(Person.email.is_not(None))).all()
    assert owners == ["jo@example.com"]  # matched by email, whatever its case


def test_a_changed_row_is_recorded_as_an_import_change(env: Env, tmp_path: Path, clock):
    header = "Id,Name,StageName,Amount,CloseDate,CreatedDate\n"
    imports.import_deals(
        env, CLI, write(tmp_path / "a.csv", header + "X1,Acme,Decision,100,2026-12-01,2026-10-01\n")
    )
    clock.advance(days=1)
    report = imports.import_deals(
        env,
        CLI,
        write(tmp_path / "b.csv", header + "X1,Acme,Closed Won,150,2026-12-01,2026-10-01\n"),
    )
    assert (report.changed, report.unchanged) == (1, 0)
    with env.db.transaction() as session:
        last = session.scalars(select(DealVersion).order_by(DealVersion.version.desc())).first()
    assert last is not None and last.change_source == "import"
    assert last.changes["amount"] == ["100.00", "150.00"]


def test_an_imported_won_deal_was_open_until_its_close_date(env: Env, tmp_path: Path):
    header = "Id,Name,StageName,Amount,CloseDate,CreatedDate,Product\n"
    imports.import_deals(
        env,
        CLI,
        write(tmp_path / "a.csv", header + "W,Win,Closed Won,100,2026-11-10,2026-10-01,A\n"),
    )
    # SPEC: closed "from its close date on", so the state changes at that date's midnight.
    before = apm.build_apm(env, CLI, "product", "2026-Q4", "2026-11-09T23:00:00+00:00")
    after = apm.build_apm(env, CLI, "product", "2026-Q4", "2026-11-10")
    assert isinstance(before, Apm) and isinstance(after, Apm)
    assert (before.total.open.value, before.total.closed.value) == (100, 0)
    assert before.total.forecast.value == 0  # Pipeline category while assumed open
    assert (after.total.open.value, after.total.closed.value) == (0, 100)


def test_dry_run_counts_everything_and_keeps_nothing(env: Env):
    report = maven(env, dry_run=True)
    assert report.created == 8800 and report.dry_run
    assert count(env, Deal) == 0 and count(env, Person) == 0


def test_a_crash_mid_import_keeps_whole_batches_and_a_rerun_finishes(
    env: Env, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(imports, "BATCH", 1000)
    real = imports._load_batch
    calls = {"n": 0}

    def crash_on_third(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "_load_batch", crash_on_third)
    with pytest.raises(RuntimeError):
        maven(env)
    assert count(env, Deal) == 2000  # two whole batches, nothing of the third
    monkeypatch.setattr(imports, "_load_batch", real)
    report = maven(env)
    assert (report.created, report.unchanged) == (6800, 2000)


def test_mapping_problems_are_explained(env: Env, tmp_path: Path):
    path = write(tmp_path / "x.csv", "a,b\n1,2\n")
    with pytest.raises(ParseError, match="neither a Name nor an Id"):
        imports.import_deals(env, CLI, path)
    with pytest.raises(ParseError, match="no column `c`"):
        imports.import_deals(env, CLI, path, column_map={"c": "name"})
    with pytest.raises(ParseError, match="`colour` is not a field"):
        imports.import_deals(env, CLI, path, column_map={"a": "colour"})
    with pytest.raises(ParseError, match="`Negotiate` is not a stage"):
        imports.import_deals(
            env, CLI, path, column_map={"a": "name", "b": "stage"}, stage_map={"x": "Negotiate"}
        )
