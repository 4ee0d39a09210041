"""What a council's weekly digest says: the APMs, what moved this week, and the cells that
need an owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.actions.digest_view import digest_actions
from commands.actions.results import ActionView
from commands.apm import Apm, Moment, build_matrices
from commands.checklist import ChecklistSummary, summary
from commands.councils.meeting import thresholds_of
from commands.fiscal import Period, quarter_containing
from commands.formatting import short_money
from commands.metrics import COLUMNS, NONE_LABEL, Cell, Row, Thresholds
from commands.periods import as_of_day
from commands.sla.figures import SlaReport, sla_report
from commands.sla.settings import sla_of
from store import leads as store_leads
from store import workspaces
from store.metrics import Movement, changes_by_dimensions
from store.models import Council


@dataclass(frozen=True)
class CellRef:
    """A cell that needs an owner, with the label (R1, R2...) the digest shows for it."""

    label: str
    dimension: str
    value: str
    column: str
    cell: Cell


@dataclass(frozen=True)
class DimensionDigest:
    apm: Apm
    changes: dict[str, dict[str, Movement]]


@dataclass(frozen=True)
class Digest:
    council: str
    council_id: int
    channel: str
    period: Period
    as_of: datetime
    elapsed: float
    total: Row
    dimensions: list[DimensionDigest]
    needs_owner: list[CellRef]
    currency: str
    actions: list[ActionView]
    loop_line: str
    checklist: ChecklistSummary
    # The hand-off SLA's figures (SPEC section 9), when the workspace has MQLs.
    marketing: SlaReport | None = None


def build_digest(session: Session, council: Council, at: datetime) -> Digest:
    """The digest for `council` as of `at`, from the store alone."""
    workspace = workspaces.get_workspace(session, council.workspace_id)
    assert workspace is not None
    zone = ZoneInfo(workspace.timezone)
    period = quarter_containing(as_of_day(at, zone), workspace.fiscal_year_start_month)
    moment = Moment(workspace, zone, period, at)
    thresholds = thresholds_of(council)
    owned = ("red",) if council.owners_for == "red" else ("red", "yellow")
    sections: list[DimensionDigest] = []
    needs: list[CellRef] = []
    matrices = build_matrices(session, moment, council.dimensions, thresholds)
    week = changes_by_dimensions(
        session,
        workspace.id,
        council.dimensions,
        at - timedelta(days=7),
        at,
        period.start,
        period.end,
    )
    for dimension, matrix in zip(council.dimensions, matrices, strict=True):
        moved = week[dimension]
        sections.append(DimensionDigest(matrix, {(k or NONE_LABEL): v for k, v in moved.items()}))
        for row in matrix.rows:
            for column in COLUMNS:
                cell = getattr(row, column)
                if cell.color in owned:
                    label = f"R{len(needs) + 1}"
                    needs.append(CellRef(label, dimension, row.value, column, cell))
    colours = {
        (part.apm.dimension, row.value, column): getattr(row, column).color
        for part in sections
        for row in part.apm.rows
        for column in COLUMNS
    }
    actions, loop_line = digest_actions(session, council, at, colours)
    return Digest(
        council.name,
        council.id,
        council.channel_id,
        period,
        at,
        sections[0].apm.elapsed,
        sections[0].apm.total,
        sections,
        needs,
        workspace.currency_symbol,
        actions,
        loop_line,
        summary(session, workspace, None, council.dimensions, as_of_day(at, zone)),
        _marketing(session, workspace.id, zone, workspace.currency_symbol, period, at, thresholds),
    )


def _marketing(
    session: Session,
    workspace_id: str,
    zone: ZoneInfo,
    currency: str,
    period: Period,
    at: datetime,
    thresholds: Thresholds,
) -> SlaReport | None:
    """The digest's Marketing and sales section; none for a workspace without MQLs."""
    if not store_leads.has_mqls(session, workspace_id):
        return None
    sla = sla_of(session, workspace_id)
    return sla_report(session, workspace_id, zone, currency, period, at, sla, None, thresholds)


def cell_rows(digest: Digest, run_id: int, week: str) -> list[dict[str, object]]:
    """Every cell of the digest, as the record of its colour this week."""
    labels = {(c.dimension, c.value, c.column): c.label for c in digest.needs_owner}
    rows: list[dict[str, object]] = []
    for part in digest.dimensions:
        for row in part.apm.rows:
            for column in COLUMNS:
                cell = getattr(row, column)
                key = (part.apm.dimension, row.value, column)
                rows.append(
                    {
                        "run_id": run_id,
                        "council_id": digest.council_id,
                        "week": week,
                        "period": digest.period.label,
                        "label": labels.get(key),
                        "dimension": key[0],
                        "value": key[1],
                        "column": column,
                        "color": cell.color,
                        "shown": cell_value_text(column, cell, digest.currency)[:64],
                    }
                )
    return rows


def cell_value_text(column: str, cell: Cell, currency: str) -> str:
    """A cell's value as people read it: `$95.4k`, `0.80x`, `met`."""
    if isinstance(cell.value, str):
        return cell.value
    return f"{cell.value}x" if column == "coverage" else short_money(cell.value, currency)
