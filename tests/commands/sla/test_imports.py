"""`council import leads` as the Salesforce sync shares it: the same Id twice in a file,
a re-import that leaves out what LeadHistory gave, and a saved `--status-map`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.run.cli import main
from store import import_maps
from store.db import Database
from store.models import Lead, LeadChange

LEADS = """Id,Name,Company,Owner.Name,CreatedDate,MQLDate
00QD1,Dora Twice,Acme,Ana,2026-10-01T08:00:00Z,
00QD1,Dora Twice,Acme,Ana,2026-10-01T08:00:00Z,2026-11-02T09:00:00Z
00QD2,Otto Once,Bolt,Ana,2026-10-01T08:00:00Z,
"""
HISTORY = """Id,LeadId,CreatedDate,Field,OldValue,NewValue
017A,00QD2,2026-11-03T09:00:00Z,Status,Open,Hot Lead
017B,00QD2,2026-11-03T11:00:00Z,Status,Hot Lead,Working - Contacted
"""


def changes(database: Database, external_id: str) -> list[str]:
    with database.transaction() as session:
        query = (
            select(LeadChange.new_status)
            .join(Lead)
            .where(Lead.external_id == external_id)
            .order_by(LeadChange.at, LeadChange.id)
        )
        return list(session.scalars(query))


def test_the_same_id_twice_loads_one_lead_with_each_step_once(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
):
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    (tmp_path / "leads.csv").write_text(LEADS)
    (tmp_path / "history.csv").write_text(HISTORY)
    assert main(["import", "leads", str(tmp_path / "leads.csv")]) == 0
    assert "2 created, 1 changed" in capsys.readouterr().out
    assert changes(database, "00QD1") == ["Open", "MQL"]
    args = ["import", "lead-history", str(tmp_path / "history.csv"), "--status-map=Hot Lead=MQL"]
    assert main(args) == 0
    # The Lead export again: it has no AcceptedDate column and a blank MQLDate for Otto,
    # so the moments LeadHistory gave stay, and his status with them.
    assert main(["import", "leads", str(tmp_path / "leads.csv")]) == 0
    with database.transaction() as session:
        otto = session.scalar(select(Lead).where(Lead.external_id == "00QD2"))
        assert otto is not None
        assert (otto.status, otto.mql_at, otto.accepted_at) == (
            "accepted",
            datetime(2026, 11, 3, 9, tzinfo=UTC),
            datetime(2026, 11, 3, 11, tzinfo=UTC),
        )
        # kept for the next imports, and for the Salesforce sync
        saved = import_maps.saved_map(session, otto.workspace_id, import_maps.LEAD_STATUSES)
    assert saved == {"hot lead": "MQL"}
    assert changes(database, "00QD2") == ["Open", "MQL", "accepted"]
