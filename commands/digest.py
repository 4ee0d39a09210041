"""What a council's weekly digest says: the APMs, what moved this week, and the cells that
need an owner."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.accuracy import TOTAL, AccuracyLine, newest_line
from commands.actions.digest_view import digest_actions
from commands.actions.marketing import FigureRef, marketing_figures
from commands.actions.results import ActionView
from commands.apm import Apm, Moment, build_matrices
from commands.checklist import ChecklistSummary, summary
from commands.councils.meeting import thresholds_of
from commands.fiscal import Period, quarter_containing
from commands.formatting import short_money
from commands.metrics import COLUMNS, NONE_LABEL, Cell, Row, Thresholds
from commands.pacing import Pacing, build_pacing
from commands.periods import as_of_day
from commands.sla.figures import SlaReport, sla_report
from commands.sla.settings import sla_of
from store import actions as store_actions
from store import leads as store_leads
from store import workspaces
from store.metrics import Movement, changes_by_dimensions
from store.models import Action, Council
from store.parallel import read_together


@dataclass(frozen=True)
class CellRef:
    """A row (one value of a dimension) whose red cells need an owner, with the label
    (R1, R2...) the digest shows for it: one thread item and one owner per row, not per
    cell. `cells` are its cells that need one, the largest gap to pace first; the first is
    the cell its action is recorded against."""

    label: str
    dimension: str
    value: str
    cells: tuple[tuple[str, Cell], ...]
    gap: Decimal  # the money between where the row is and where pace says it should be

    @property
    def column(self) -> str:
        return self.cells[0][0]

    @property
    def cell(self) -> Cell:
        return self.cells[0][1]


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
    # The total's forecast accuracy in the last ended quarter (SPEC section 9).
    accuracy: AccuracyLine | None = None
    pacing: Pacing | None = None  # the pacing chart's series
    # Rows that need an owner beyond the council's owners_max, smallest gaps: named, not asked.
    left_out: list[CellRef] = field(default_factory=list)
    # The hand-off SLA's figures (SPEC section 9), when the workspace has MQLs.
    marketing: SlaReport | None = None
    # Its coloured figures that need an owner (M1, M2...), asked in the thread like rows.
    marketing_owners: list[FigureRef] = field(default_factory=list)


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
    today = as_of_day(at, zone)
    dimensions = list(council.dimensions)  # read here: the readers run in other threads
    # The four big reads side by side (store.parallel); the pacing chart's target, the
    # APM's, is set once both are in.
    matrices, week, pacing, checklist = read_together(
        session,
        [
            lambda s: build_matrices(s, moment, dimensions, thresholds),
            lambda s: changes_by_dimensions(
                s, workspace.id, dimensions, at - timedelta(days=7), at, period.start, period.end
            ),
            lambda s: build_pacing(
                s,
                workspace.id,
                zone,
                period,
                at,
                None,
                workspace.currency_symbol,
                workspace.fiscal_year_start_month,
            ),
            lambda s: summary(s, workspace, None, dimensions, today),
        ],
    )
    settled = settled_cells(session, council)
    for dimension, matrix in zip(dimensions, matrices, strict=True):
        moved = week[dimension]
        sections.append(DimensionDigest(matrix, {(k or NONE_LABEL): v for k, v in moved.items()}))
        for row in matrix.rows:
            cells = [
                (column, getattr(row, column))
                for column in COLUMNS
                if getattr(row, column).color in owned
                and (dimension, row.value, column) not in settled
            ]
            if cells:
                gaps = {column: pace_gap(column, row, matrix.elapsed) for column, _ in cells}
                cells.sort(key=lambda pair: (-gaps[pair[0]], COLUMNS.index(pair[0])))
                needs.append(CellRef("", dimension, row.value, tuple(cells), gaps[cells[0][0]]))
    # The sharpest first: the largest money gap to pace, ties in the tables' order.
    needs.sort(key=lambda ref: -ref.gap)
    needs = [replace(ref, label=f"R{index + 1}") for index, ref in enumerate(needs)]
    needs, left_out = needs[: council.owners_max], needs[council.owners_max :]
    marketing = _marketing(
        session, workspace.id, zone, workspace.currency_symbol, period, at, thresholds
    )
    figures = marketing_figures(marketing) if marketing is not None else []
    asked = [f for f in figures if f.color in owned and f.key not in settled]
    colours = {
        (part.apm.dimension, row.value, column): getattr(row, column).color
        for part in sections
        for row in part.apm.rows
        for column in COLUMNS
    } | {f.key: f.color for f in figures}
    actions, loop_line = digest_actions(session, council, at, colours)
    # The chart says its moment in the council's time zone, as the digest's header does.
    pacing = replace(
        pacing,
        target=sections[0].apm.total.closed.target,
        as_of=at.astimezone(ZoneInfo(council.timezone)),
    )
    return Digest(
        council.name,
        council.id,
        council.channel_id,
        period,
        # Shown in the council's own time zone, where it meets (the moment is the same).
        at.astimezone(ZoneInfo(council.timezone)),
        sections[0].apm.elapsed,
        sections[0].apm.total,
        sections,
        needs,
        workspace.currency_symbol,
        actions,
        loop_line,
        checklist,
        newest_line(session, workspace, at, TOTAL, "", "total"),
        pacing,
        left_out,
        marketing,
        [replace(f, label=f"M{index + 1}") for index, f in enumerate(asked)],
    )


def pace_gap(column: str, row: Row, elapsed: float) -> Decimal:
    """How much money the cell is short of where it should be now (never negative):
    closed and pipe gen against the target's share for the time gone, forecast against the
    target, open pipe against a year ago, coverage as the open pipe it lacks to cover what
    remains of the target at the ratio it needs."""
    cell = getattr(row, column)
    share = Decimal(str(round(elapsed, 6)))
    gap = Decimal(0)
    if not isinstance(cell.value, Decimal):
        return gap
    if column in ("closed", "pipegen") and cell.target is not None:
        gap = cell.target * share - cell.value
    elif column == "forecast" and cell.target is not None:
        gap = cell.target - cell.value
    elif column == "open" and isinstance(cell.prior, Decimal):
        gap = cell.prior - cell.value
    elif column == "coverage":
        need = cell.needed if cell.needed is not None else cell.target
        closed = row.closed
        if need is not None and closed.target is not None and isinstance(closed.value, Decimal):
            assert isinstance(row.open.value, Decimal)
            gap = need * (closed.target - closed.value) - row.open.value
    return max(gap, Decimal(0)).quantize(Decimal("0.01"))


def settled_cells(session: Session, council: Council) -> set[tuple[str, str, str]]:
    """Cells the digest does not ask an owner for: those with an open action (they have
    one), and those whose action is done, until a digest after it was done shows them red
    again (a done action gets a week to show its effect). An action covers every cell its
    row's item listed."""
    latest: dict[tuple[str, str, str], Action] = {}
    for action in store_actions.all_actions(session, council.id):
        # An action answers its row's item: every cell the digest listed under its label.
        covered = (
            store_actions.labelled_cells(session, action.run_id, action.label)
            if action.run_id is not None
            else []
        )
        for key in covered or [(action.dimension, action.value, action.column)]:
            latest[key] = action  # by id: the last one wins
    settled = set()
    for key, action in latest.items():
        if (
            action.status != "done"
            or action.done_at is None
            or not store_actions.shown_red_after(session, council.id, *key, action.done_at)
        ):
            settled.add(key)
    return settled


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
    """Every cell of the digest and every coloured figure of its Marketing and sales
    section, as the record of its colour this week."""
    labels = {
        (c.dimension, c.value, column): c.label for c in digest.needs_owner for column, _ in c.cells
    } | {f.key: f.label for f in digest.marketing_owners}
    shown: list[tuple[tuple[str, str, str], str | None, str]] = [
        (
            (part.apm.dimension, row.value, column),
            getattr(row, column).color,
            cell_value_text(column, getattr(row, column), digest.currency),
        )
        for part in digest.dimensions
        for row in part.apm.rows
        for column in COLUMNS
    ]
    if digest.marketing is not None:
        shown += [(f.key, f.color, f.shown) for f in marketing_figures(digest.marketing)]
    return [
        {
            "run_id": run_id,
            "council_id": digest.council_id,
            "week": week,
            "period": digest.period.label,
            "label": labels.get(key),
            "dimension": key[0],
            "value": key[1],
            "column": key[2],
            "color": color,
            "shown": text[:64],
        }
        for key, color, text in shown
    ]


def cell_value_text(column: str, cell: Cell, currency: str) -> str:
    """A cell's value as people read it: `$95.4k`, `0.80x`, `met`."""
    if isinstance(cell.value, str):
        return cell.value
    return f"{cell.value}x" if column == "coverage" else short_money(cell.value, currency)
