"""Every real export in ../shared/data/crm loads with no hand-written map; files as they
come (encodings, delimiters, the REST JSON shape); maps given once are kept."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commands import imports
from commands.context import Actor, Env
from store.models import Deal, DealVersion, ImportMap, Stage
from tests.support.crm import crm_file

CLI = Actor("T0TEST001", "cli", "council CLI", "cli")
TRUE = {"true", "1"}


def file_rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def stored(env: Env) -> dict[str, Deal]:
    with env.db.transaction() as session:
        return {d.external_id or "": d for d in session.scalars(select(Deal))}


def stages(env: Env) -> dict[str, Stage]:
    with env.db.transaction() as session:
        return {s.name: s for s in session.scalars(select(Stage).order_by(Stage.position))}


def test_maven_loads_with_no_map_and_its_own_stages(env: Env):
    path = crm_file("maven_crm_sales_opportunities", "sales_pipeline.csv")
    rows = file_rows(path)
    report = imports.import_deals(env, CLI, path)
    assert (report.rows, report.created, report.bad) == (len(rows), len(rows), [])
    deals = stored(env)
    # Won and Lost are the workspace's closed stages; Engaging is new, open, added once.
    expected = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
    by_status = Counter(expected[r["deal_stage"]] for r in rows)
    assert Counter(d.status for d in deals.values()) == by_status
    assert [s.name for s in report.new_stages] == ["Engaging"]
    assert stages(env)["Engaging"].status == "open"
    won = sum(Decimal(r["close_value"]) for r in rows if r["deal_stage"] == "Won")
    assert sum(d.amount or 0 for d in deals.values() if d.status == "won") == won
    owners = {r["opportunity_id"]: r["sales_agent"] for r in rows}
    with env.db.transaction() as session:
        from store.models import Person

        names = dict(session.execute(select(Person.id, Person.display_name)).all())
    assert {k: names[d.owner_id] for k, d in deals.items()} == owners


@pytest.mark.parametrize("folder", ["salesforce_data_cloud_workshop", "salesforce_powerbi_demo"])
def test_salesforce_exports_load_with_their_stages_as_the_file_says(env: Env, folder: str):
    path = crm_file(folder, "Opportunity.csv")
    rows = file_rows(path)
    report = imports.import_deals(env, CLI, path)
    assert (report.rows, report.created, report.bad) == (len(rows), len(rows), [])
    deals = stored(env)
    for row in rows:
        closed, won = row["IsClosed"].lower() in TRUE, row["IsWon"].lower() in TRUE
        want = "won" if won else "lost" if closed else "open"
        assert deals[row["Id"]].status == want, row["StageName"]
        assert deals[row["Id"]].stage.casefold() == row["StageName"].casefold()
    amounts = sum(Decimal(r["Amount"]) for r in rows if r["Amount"])
    assert sum(d.amount or 0 for d in deals.values()) == amounts
    known = stages(env)
    for row in rows:
        if row["StageName"] in {s.name for s in report.new_stages}:
            assert known[row["StageName"]].probability == int(row["Probability"])
    if "ForecastCategoryName" in rows[0]:
        # Negotiation and Proposal/Quote are Best Case in that org, Discovery Pipeline.
        for row in rows:
            if row["IsClosed"].lower() not in TRUE:
                assert known[row["StageName"]].category == row["ForecastCategoryName"]


def test_salesforce_default_stages_come_in_salesforce_order(env: Env):
    path = crm_file("salesforce_powerbi_demo", "Opportunity.csv")
    imports.import_deals(env, CLI, path)
    order = list(stages(env))
    defaults = [
        "Prospecting",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
    ]
    assert [name for name in order if name in defaults] == defaults


def test_history_loads_after_the_deals_with_no_map_and_twice_adds_nothing(env: Env):
    imports.import_deals(env, CLI, crm_file("salesforce_powerbi_demo", "Opportunity.csv"))
    path = crm_file("salesforce_powerbi_demo", "OpportunityHistory.csv")
    rows = file_rows(path)
    report = imports.import_history(env, CLI, path)
    assert (report.rows, report.bad, report.changed) == (len(rows), [], len(rows))
    again = imports.import_history(env, CLI, path)
    assert (again.changed, again.unchanged, again.bad) == (0, len(rows), [])


@pytest.mark.parametrize("name", ["Opportunities.csv", "Opportunities.json"])
def test_apex_rows_without_an_id_are_never_merged_by_name(env: Env, name: str):
    path = crm_file("salesforce_apex_recipes", name)
    raw = json.loads(crm_file("salesforce_apex_recipes", "Opportunities.json").read_text())
    rows = raw["records"]
    report = imports.import_deals(env, CLI, path)
    assert (report.rows, report.created, report.bad) == (len(rows), len(rows), [])
    deals = list(stored(env).values())
    twins = [r for r in rows if r["name"] == "Dove, emerald-spotted wood"]
    assert len(twins) == 2
    doves = sorted(d.amount or 0 for d in deals if d.name == "Dove, emerald-spotted wood")
    assert doves == sorted(Decimal(r["amount"]) for r in twins)  # the $81.9k one included
    assert sum(d.amount or 0 for d in deals) == sum(Decimal(r["amount"]) for r in rows)
    again = imports.import_deals(env, CLI, path)
    assert (again.created, again.unchanged) == (0, len(rows))  # a rerun finds each again


def test_json_with_nested_account_and_owner(env: Env, tmp_path: Path):
    records = {
        "totalSize": 2,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Opportunity", "url": "/services/data/v62.0/x"},
                "Id": "006A",
                "Name": "Acme renewal",
                "StageName": "Closed Won",
                "Amount": 1200.5,
                "CloseDate": "2026-11-02",
                "CreatedDate": "2026-10-01T09:00:00.000+0000",
                "Account": {"attributes": {"type": "Account"}, "Name": "Acme"},
                "Owner": {"attributes": {"type": "User"}, "Name": "Jo Park", "Email": "jo@x.io"},
            },
            {
                "Id": "006B",
                "Name": "Globex",
                "StageName": "Prospecting",
                "Amount": None,
                "CloseDate": "2026-12-01",
                "CreatedDate": "2026-10-02T09:00:00.000+0000",
                "Account": None,
                "Owner": {"Name": "Jo Park", "Email": "jo@x.io"},
            },
        ],
    }
    path = tmp_path / "opps.json"
    path.write_text(json.dumps(records))
    report = imports.import_deals(env, CLI, path)
    assert (report.created, report.bad) == (2, [])
    deals = stored(env)
    assert (deals["006A"].account, deals["006A"].amount) == ("Acme", Decimal("1200.50"))
    assert deals["006A"].owner_id == deals["006B"].owner_id
    assert deals["006B"].account is None


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ";"), ("utf-16", "\t"), ("utf-8-sig", ";"), ("utf-8", "\t")],
)
def test_files_as_they_come(env: Env, tmp_path: Path, encoding: str, delimiter: str):
    rows = [
        ["Id", "Name", "Account Name", "StageName", "Amount", "CloseDate"],
        ["1", "Café Noël; Société Générale", "Crème", "Prospecting", "1000", "2026-12-01"],
        ["2", "Zürich – expansion", "Müller AG", "Closed Won", "2500.75", "2026-11-01"],
    ]
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    report = imports.import_deals(env, CLI, path)
    assert (report.created, report.bad) == (2, [])
    deals = stored(env)
    assert deals["1"].name == rows[1][1] and deals["1"].account == "Crème"
    assert deals["2"].name == rows[2][1] and deals["2"].amount == Decimal("2500.75")


def test_maps_given_once_are_kept_for_later_imports_and_history(env: Env, tmp_path: Path):
    header = "Deal Ref,Deal,Phase,Value,Closes,Opened\n"
    first = tmp_path / "a.csv"
    first.write_text(header + "A1,Acme,Verbal,100,2026-12-01,2026-10-01T09:00:00Z\n")
    report = imports.import_deals(
        env,
        CLI,
        first,
        column_map={
            "Deal Ref": "id",
            "Deal": "name",
            "Phase": "stage",
            "Value": "amount",
            "Closes": "close",
            "Opened": "created",
        },
        stage_map={"Verbal": "decision"},
    )
    assert (report.created, report.bad, report.new_stages) == (1, [], [])
    with env.db.transaction() as session:
        kept = session.scalar(select(func.count()).select_from(ImportMap))
    assert kept == 7
    second = tmp_path / "b.csv"
    second.write_text(header + "A2,Globex,Verbal,200,2026-12-02,2026-10-02T09:00:00Z\n")
    again = imports.import_deals(env, CLI, second)  # no map given this time
    assert (again.created, again.bad, again.new_stages) == (1, [], [])
    assert stored(env)["A2"].stage == "Decision" and stored(env)["A2"].amount == 200
    history = tmp_path / "h.csv"
    history.write_text(
        "Id,OpportunityId,CreatedDate,StageName,Amount\nH1,A1,2026-10-05T09:00:00Z,Verbal,150\n"
    )
    backfill = imports.import_history(env, CLI, history)
    assert (backfill.changed, backfill.bad, backfill.new_stages) == (1, [], [])
    with env.db.transaction() as session:
        staged = session.scalars(
            select(DealVersion.stage).where(DealVersion.history_key == "id:H1")
        ).all()
    assert staged == ["Decision"]


RAGGED = (
    "Id,Name,Account Name,Name,StageName,Amount\n"
    "1,First,Acme,Second name,Prospecting,100\n"
    "\n"
    "2,Short row,Globex\n"
    "3,Long row,Initech,,Closed Won,5,extra,cells\n"
    '4,"Multi\nline",Hooli,,Prospecting,7\n'
    "5,Bell\x07here,Stark,,Prospecting,9\n"
)


def test_rows_as_cells_read_as_the_records_csv_gives(tmp_path: Path):
    from commands.import_columns import map_columns
    from commands.import_files import records, rows

    path = tmp_path / "ragged.csv"
    path.write_text(RAGGED, encoding="utf-8")
    with path.open(newline="", encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))  # the csv module skips the blank line
    as_cells = list(rows(path))
    as_records = list(records(path))
    # Lines where each record starts: the blank line 3 is none; line 6 holds two lines.
    assert [line for line, _h, _r in as_cells] == [2, 4, 5, 6, 8]
    assert [line for line, _h, _r in as_records] == [2, 4, 5, 6, 8]
    headers = as_cells[0][1]
    assert all(len(cells) >= len(headers) for _l, _h, cells in as_cells)  # short rows padded
    assert as_cells[1][2] == ["2", "Short row", "Globex", "", "", ""]
    assert as_cells[4][2][1] == "Bellhere"  # control characters removed, as in records
    for (_l, _h, record), dict_row in zip(as_records, expected, strict=True):
        dict_row = {
            k: v.replace("\x07", "") if isinstance(v, str) else v for k, v in dict_row.items()
        }
        assert record == dict_row
    columns = map_columns(headers, {})
    for (_l, _h, cells), (_l2, _h2, record) in zip(as_cells, as_records, strict=True):
        assert isinstance(cells, list) and isinstance(record, dict)
        assert columns.fields(cells) == columns.fields(record)  # a header twice: its last cell
    assert columns.fields(as_cells[0][2])["name"] == "Second name"
