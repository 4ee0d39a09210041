"""What a council's weekly digest says: the APMs, what moved this week, and the cells that
need an owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.apm import Apm, _matrix, _Moment
from commands.councils import thresholds_of
from commands.fiscal import Period, quarter_containing
from commands.metrics import COLUMNS, NONE_LABEL, Cell, Row
from store import workspaces
from store.metrics import Movement, changes_since
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


def build_digest(session: Session, council: Council, at: datetime) -> Digest:
    """The digest for `council` as of `at`, from the store alone."""
    workspace = workspaces.get_workspace(session, council.workspace_id)
    assert workspace is not None
    zone = ZoneInfo(workspace.timezone)
    day = (at - timedelta(microseconds=1)).astimezone(zone).date()
    period = quarter_containing(day, workspace.fiscal_year_start_month)
    moment = _Moment(workspace, zone, period, at)
    thresholds = thresholds_of(council)
    colours = ("red",) if council.owners_for == "red" else ("red", "yellow")
    sections: list[DimensionDigest] = []
    needs: list[CellRef] = []
    for dimension in council.dimensions:
        matrix = _matrix(session, moment, dimension, thresholds)
        moved = changes_since(
            session, workspace.id, dimension, at - timedelta(days=7), at, period.start, period.end
        )
        sections.append(DimensionDigest(matrix, {(k or NONE_LABEL): v for k, v in moved.items()}))
        for row in matrix.rows:
            for column in COLUMNS:
                cell = getattr(row, column)
                if cell.color in colours:
                    label = f"R{len(needs) + 1}"
                    needs.append(CellRef(label, dimension, row.value, column, cell))
    total = sections[0].apm.total
    return Digest(
        council.name,
        council.id,
        council.channel_id,
        period,
        at,
        sections[0].apm.elapsed,
        total,
        sections,
        needs,
        workspace.currency_symbol,
    )
