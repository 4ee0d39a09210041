"""The App Home: what a person should look at this week, and for a manager their team's."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands import forecast
from commands.accuracy import BOOK, AccuracyLine, newest_line
from commands.actions.command import actions_owned
from commands.actions.results import ActionView
from commands.apm import Moment, build_matrix
from commands.checklist import ChecklistDeal, ChecklistSummary, checklist_deals, summary
from commands.cleanup import TeamRoom, team_room
from commands.context import Actor, Env
from commands.councils.meeting import thresholds_of
from commands.fiscal import quarter_containing
from commands.metrics import Row
from commands.permissions import is_manager
from commands.stale import deal_label, stale_reasons
from commands.unit import Unit, run_unit
from commands.workspace import local_today
from store import checklists, people
from store import councils as store_councils
from store import deals as store_deals

MAX_DEALS = 15


@dataclass(frozen=True)
class HomeDeal:
    id: int
    label: str
    stale: tuple[str, ...]
    snoozed: bool


@dataclass(frozen=True)
class CouncilTotal:
    council: str
    dimension: str
    total: Row


@dataclass(frozen=True)
class TeamHome:
    forecast: list[forecast.CallLine]
    cleanup: TeamRoom
    answers: ChecklistSummary
    councils: list[CouncilTotal]


@dataclass(frozen=True)
class Home:
    name: str
    period: str
    currency: str
    deals: list[HomeDeal]
    more_deals: int
    gaps: list[ChecklistDeal]
    actions: list[ActionView]
    forecast: forecast.CallLine
    team: TeamHome | None
    accuracy: AccuracyLine | None = None


def build_home(env: Env, actor: Actor) -> Home:
    """Everything the Home tab shows the person, as of now."""
    home = run_unit(env, actor, _home)
    assert isinstance(home, Home)  # nothing in it stops early
    return home


def _home(unit: Unit) -> Home:
    session, now = unit.session, unit.now
    me, workspace = unit.member()
    today = local_today(workspace, now)
    period = quarter_containing(today, workspace.fiscal_year_start_month)
    symbol = workspace.currency_symbol
    mine = [
        d
        for d in store_deals.deals_owned_by(session, workspace.id, [me.id])
        if d.close_date is None or d.close_date < period.end
    ]
    snoozed = checklists.snoozed(session, [d.id for d in mine], today)
    deals = [
        HomeDeal(
            d.id,
            deal_label(d, symbol),
            stale_reasons(d, today, now, workspace.stale_after_days),
            d.id in snoozed,
        )
        for d in mine
    ]
    gaps = [d for d in checklist_deals(session, workspace, [me.id], today) if d.missing]
    lines = forecast.board(session, workspace, me, period, now).lines
    team = None
    if is_manager(me):
        team_ids = sorted(people.team_ids(session, workspace.id, me.id))
        team = TeamHome(
            lines[1 : 1 + len(team_ids)],
            team_room(session, workspace, me, now),
            summary(session, workspace, [*team_ids, me.id], (), today),
            _council_totals(
                session,
                workspace.id,
                Moment(workspace, ZoneInfo(workspace.timezone), period, now),
            ),
        )
    return Home(
        me.display_name,
        period.label,
        symbol,
        deals[:MAX_DEALS],
        max(0, len(deals) - MAX_DEALS),
        gaps,
        actions_owned(session, me, now),
        lines[0],
        team,
        newest_line(session, workspace, now, BOOK, str(me.id), "your calls"),
    )


def _council_totals(session: Session, workspace_id: str, moment: Moment) -> list[CouncilTotal]:
    totals = []
    for council in store_councils.councils(session, workspace_id):
        if council.paused:
            continue
        dimension = council.dimensions[0]
        matrix = build_matrix(session, moment, dimension, thresholds_of(council))
        totals.append(CouncilTotal(council.name, dimension, matrix.total))
    return totals
