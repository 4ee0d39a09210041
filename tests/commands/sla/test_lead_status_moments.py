"""A Lead export's Status is never ignored: a step it names without a moment takes the
row's best date (LastModifiedDate, else CreatedDate), said per file; a row with no date
at all is refused, saying what to add."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.run.cli import main
from store.db import Database
from store.models import Lead, LeadChange

LEADS = """Id,Name,Owner.Name,Status,CreatedDate,LastModifiedDate,MQL_Date__c
00Q1,Ann Mod,Ana,MQL,2026-10-01T08:00:00Z,2026-11-10T09:00:00Z,
00Q2,Bea Rej,Ana,Rejected,2026-10-01T08:00:00Z,2026-11-12T10:00:00Z,2026-11-10T09:00:00Z
00Q3,Cal Made,Ana,Marketing Qualified,2026-10-02T08:00:00Z,,
00Q4,Dot None,Ana,Working,,,
00Q5,Eve Unq,Ana,Unqualified,2026-10-01T08:00:00Z,2026-11-03T08:00:00Z,
00Q6,Fay Given,Ana,MQL,2026-10-01T08:00:00Z,2026-11-20T08:00:00Z,2026-11-05T09:00:00Z
00Q7,Gus Conv,Ana,Closed - Converted,2026-10-01T08:00:00Z,2026-11-15T08:00:00Z,
00Q8,Hal Open,Ana,Open - Not Contacted,2026-10-01T08:00:00Z,2026-11-15T08:00:00Z,
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_status_without_its_moment_takes_the_best_date_the_row_has(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    assert main(["import", "leads", str(path), "--map", "MQL_Date__c=MQLDate"]) == 1
    out = capsys.readouterr().out
    assert "7 created" in out
    # Per file: how many moments were inferred, from which column, on which lines.
    assert "1 × MQLDate taken from LastModifiedDate" in out and "(lines 2)" in out
    assert "1 × MQLDate taken from CreatedDate" in out and "(lines 4)" in out
    assert "2 × RejectedDate taken from LastModifiedDate" in out and "(lines 3, 6)" in out
    assert "1 × ConvertedDate taken from LastModifiedDate" in out
    assert (
        "line 5: the Status `Working` needs its moment and the row has no AcceptedDate, "
        "LastModifiedDate or CreatedDate: add one of them (or name yours: "
        "--map YourColumn=AcceptedDate)"
    ) in out
    with database.transaction() as session:
        leads = {lead.external_id: lead for lead in session.scalars(select(Lead))}
        moments = {
            key: (lead.status, lead.mql_at, lead.rejected_at, lead.converted_at)
            for key, lead in leads.items()
        }
    assert "00Q4" not in moments  # refused: nothing of it written
    assert moments["00Q1"] == ("MQL", utc("2026-11-10T09:00"), None, None)
    assert moments["00Q2"] == (
        "rejected",
        utc("2026-11-10T09:00"),
        utc("2026-11-12T10:00"),
        None,
    )
    assert moments["00Q3"] == ("MQL", utc("2026-10-02T08:00"), None, None)
    # Rejected with no MQL moment: its status is kept, no follow-up moment is counted.
    assert moments["00Q5"] == ("rejected", None, None, None)
    assert moments["00Q6"] == ("MQL", utc("2026-11-05T09:00"), None, None)  # given: kept
    assert moments["00Q7"] == ("converted", None, None, utc("2026-11-15T08:00"))
    assert moments["00Q8"][0] == "Open"  # an open status names no step
    # Loading the same file again changes nothing.
    assert main(["import", "leads", str(path), "--map", "MQL_Date__c=MQLDate"]) == 1
    assert "7 unchanged" in capsys.readouterr().out


def test_lead_history_replaces_a_guessed_moment_with_the_exact_one(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    """A Status without its date is first dated by LastModifiedDate; the LeadHistory export
    then gives the moment it really happened, which replaces the guess (once, in the
    lead's changes too). A re-import of the Lead file does not bring the guess back."""
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Id,Name,Owner.Name,Status,CreatedDate,LastModifiedDate\n"
        "00Q1,Ann Mod,Ana,MQL,2026-10-01T08:00:00Z,2026-11-10T09:00:00Z\n"
    )
    history = tmp_path / "history.csv"
    history.write_text(
        "Id,LeadId,Field,OldValue,NewValue,CreatedDate\n"
        "017A,00Q1,Status,Open,MQL,2026-10-20T14:30:00Z\n"
    )
    assert main(["import", "leads", str(leads)]) == 0
    assert main(["import", "lead-history", str(history)]) == 0
    assert main(["import", "leads", str(leads)]) == 0
    capsys.readouterr()
    with database.transaction() as session:
        lead = session.scalars(select(Lead)).one()
        changes = [
            (change.new_status, change.at, change.via)
            for change in session.scalars(select(LeadChange).order_by(LeadChange.at))
        ]
        assert (lead.status, lead.mql_at, lead.guessed_steps) == (
            "MQL",
            utc("2026-10-20T14:30"),
            None,
        )
    assert changes == [
        ("Open", utc("2026-10-01T08:00"), "import"),
        ("MQL", utc("2026-10-20T14:30"), "history"),
    ]
