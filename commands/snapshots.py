"""Taking the week's forecast snapshot at a council's digest time (SPEC section 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.councils.meeting import this_weeks_meeting
from commands.fiscal import Period, quarter_containing
from commands.forecast import snapshot_cells
from store import snapshots as store_snapshots
from store import workspaces
from store.models import Council


@dataclass(frozen=True)
class Snapshot:
    """What one attempt did: `cells` rows written, or none when the week was taken."""

    period: str
    week: int
    cells: int


def week_in(period: Period, day: date) -> int:
    """Week 1 is the period's first seven days, week 2 the next seven, and so on."""
    return (day - period.start).days // 7 + 1


def take_snapshot(session: Session, council: Council, now: datetime) -> Snapshot | None:
    """Snapshot the workspace's calls and calculated forecasts for this week, once: a
    second council, clock or retry finds the week claimed and writes nothing. None before
    this week's meeting time."""
    meeting = this_weeks_meeting(council, now)
    if now < meeting:
        return None
    workspace = workspaces.get_workspace(session, council.workspace_id)
    assert workspace is not None
    day = meeting.astimezone(ZoneInfo(workspace.timezone)).date()
    period = quarter_containing(day, workspace.fiscal_year_start_month)
    week = week_in(period, day)
    if not store_snapshots.claim_week(session, workspace.id, period.label, week, now):
        return Snapshot(period.label, week, 0)
    cells = snapshot_cells(session, workspace, period, now)
    count = store_snapshots.record(session, workspace.id, period.label, week, cells, now)
    return Snapshot(period.label, week, count)
