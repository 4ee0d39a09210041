"""`council import lead-history`: status moments from a LeadHistory export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.run.cli import main
from store.db import Database
from store.models import Lead

LEADS = """Id,Name,Company,LeadSource,Owner.Name,Status,CreatedDate
00QH1,Hana One,Acme,Marketing,Ana,Working,2026-10-01T08:00:00Z
00QH2,Hugo Two,Bolt,Marketing,Ana,Unqualified,2026-10-01T08:00:00Z
"""
HISTORY = """Id,LeadId,CreatedDate,Field,OldValue,NewValue
017A,00QH1,2026-11-02T09:00:00Z,Status,Open,Marketing Qualified
017B,00QH1,2026-11-02T13:00:00Z,Status,Marketing Qualified,Working
017C,00QH1,2026-11-02T12:00:00Z,Email,,hana@acme.test
017D,00QH2,2026-11-03T15:00:00Z,Status,Open,Hot Lead
017E,00QH2,2026-11-05T11:00:00Z,Status,Hot Lead,Unqualified
017F,00QZZ,2026-11-05T11:00:00Z,Status,Open,Marketing Qualified
017G,00QH2,2026-11-06T11:00:00Z,Status,Unqualified,Made up
"""


def test_lead_history_sets_the_moments_the_lead_export_lacked(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    (tmp_path / "leads.csv").write_text(LEADS)
    (tmp_path / "history.csv").write_text(HISTORY)
    assert main(["import", "leads", str(tmp_path / "leads.csv")]) == 0
    args = ["import", "lead-history", str(tmp_path / "history.csv"), "--status-map=Hot Lead=MQL"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "line 7: no lead `00QZZ` (import the Lead export first)" in out
    assert "line 8: status `Made up` is no step" in out
    with database.transaction() as session:
        found = {lead.external_id: lead for lead in session.scalars(select(Lead))}
    one, two = found["00QH1"], found["00QH2"]
    at = datetime(2026, 11, 2, tzinfo=UTC)
    assert (one.mql_at, one.accepted_at) == (at.replace(hour=9), at.replace(hour=13))
    assert (two.mql_at, two.rejected_at) == (
        datetime(2026, 11, 3, 15, tzinfo=UTC),
        datetime(2026, 11, 5, 11, tzinfo=UTC),
    )
    assert main(args) == 1  # again: the same two rows refused, nothing changed
    assert "0 changed" in capsys.readouterr().out
