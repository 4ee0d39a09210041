"""Workspaces and their configuration: stages and dimension values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import DimensionValue, Stage, Workspace


@dataclass(frozen=True)
class StageSpec:
    name: str
    category: str
    probability: int
    status: str


def get_workspace(session: Session, workspace_id: str) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def create_workspace(
    session: Session,
    workspace_id: str,
    *,
    name: str,
    stages: Sequence[StageSpec],
    dimension_values: dict[str, Iterable[str]],
    now: datetime,
) -> Workspace:
    """A new workspace with its stage list and starting dimension values."""
    workspace = Workspace(
        id=workspace_id,
        name=name,
        currency_symbol="$",
        fiscal_year_start_month=1,
        timezone="UTC",
        stale_after_days=14,
        created_at=now,
    )
    session.add(workspace)
    session.flush()
    for position, spec in enumerate(stages):
        session.add(
            Stage(
                workspace_id=workspace_id,
                position=position,
                name=spec.name,
                category=spec.category,
                probability=spec.probability,
                status=spec.status,
            )
        )
    for dimension, values in dimension_values.items():
        for value in values:
            add_dimension_value(session, workspace_id, dimension, value)
    session.flush()
    return workspace


def list_stages(session: Session, workspace_id: str) -> list[Stage]:
    return list(
        session.scalars(
            select(Stage).where(Stage.workspace_id == workspace_id).order_by(Stage.position)
        )
    )


def adopt_stages(session: Session, workspace_id: str, specs: Sequence[StageSpec]) -> list[str]:
    """Make another system's stage list (Salesforce's OpportunityStage, or an export's stage
    columns) the workspace's, in its order, with no map to write.

    A stage already here under the same name, case aside, keeps its name and takes the
    spec's category, probability and status; the others are added. Stages the specs do not
    name keep their place after the adopted ones, since deals and history may still hold
    them. Returns the names added."""
    existing = {stage.name.casefold(): stage for stage in list_stages(session, workspace_id)}
    adopted: list[Stage] = []
    added: list[str] = []
    for spec in specs:
        stage = existing.pop(spec.name.casefold(), None)
        if stage is None:
            stage = Stage(workspace_id=workspace_id, name=spec.name)
            session.add(stage)
            added.append(spec.name)
        stage.category, stage.probability, stage.status = (
            spec.category,
            spec.probability,
            spec.status,
        )
        if stage not in adopted:
            adopted.append(stage)
    kept = sorted(existing.values(), key=lambda stage: stage.position)
    for position, stage in enumerate([*adopted, *kept]):
        # Positions are unconstrained, so renumbering in place cannot collide.
        stage.position = position
    session.flush()
    return added


def list_dimension_values(session: Session, workspace_id: str, dimension: str) -> list[str]:
    return list(
        session.scalars(
            select(DimensionValue.value)
            .where(
                DimensionValue.workspace_id == workspace_id,
                DimensionValue.dimension == dimension,
            )
            .order_by(DimensionValue.value)
        )
    )


def add_dimension_value(session: Session, workspace_id: str, dimension: str, value: str) -> None:
    session.add(DimensionValue(workspace_id=workspace_id, dimension=dimension, value=value))


def workspace_ids(session: Session, *, active_only: bool = False) -> list[str]:
    """Every workspace, or only those with the app installed (not uninstalled)."""
    query = select(Workspace.id).order_by(Workspace.id)
    if active_only:
        query = query.where(Workspace.uninstalled_at.is_(None))
    return list(session.scalars(query))
