"""Adopting another system's stage list."""

from __future__ import annotations

from datetime import UTC, datetime

from store.db import Database
from store.workspaces import StageSpec, adopt_stages, create_workspace, list_stages

NOW = datetime(2026, 11, 2, tzinfo=UTC)
OURS = [
    StageSpec("Prospecting", "Pipeline", 10, "open"),
    StageSpec("Decision", "Commit", 70, "open"),
    StageSpec("Closed Won", "Closed", 100, "won"),
    StageSpec("Closed Lost", "Omitted", 0, "lost"),
]
SALESFORCE = [
    StageSpec("prospecting", "Pipeline", 10, "open"),
    StageSpec("Negotiation/Review", "Commit", 90, "open"),
    StageSpec("Closed Won", "Closed", 100, "won"),
    StageSpec("Closed Lost", "Omitted", 0, "lost"),
]


def test_adopted_stages_take_their_order_and_keep_the_rest_after(database: Database) -> None:
    with database.transaction() as session:
        create_workspace(session, "T1", name="t", stages=OURS, dimension_values={}, now=NOW)
        added = adopt_stages(session, "T1", SALESFORCE)
        stages = [(s.name, s.category, s.probability, s.status) for s in list_stages(session, "T1")]
    assert added == ["Negotiation/Review"]
    assert stages == [
        ("Prospecting", "Pipeline", 10, "open"),
        ("Negotiation/Review", "Commit", 90, "open"),
        ("Closed Won", "Closed", 100, "won"),
        ("Closed Lost", "Omitted", 0, "lost"),
        ("Decision", "Commit", 70, "open"),
    ]


def test_adopting_the_same_list_twice_changes_nothing(database: Database) -> None:
    with database.transaction() as session:
        create_workspace(session, "T1", name="t", stages=OURS, dimension_values={}, now=NOW)
        adopt_stages(session, "T1", SALESFORCE)
        assert adopt_stages(session, "T1", SALESFORCE) == []
        assert len(list_stages(session, "T1")) == 5
