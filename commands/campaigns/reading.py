"""Reading campaigns: every campaign's figures (`council campaigns`, `/campaign list`) and
one campaign with its members by status and its hierarchy (`/campaign show`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commands.campaigns.figures import CampaignFigures, CampaignLine, campaign_figures
from commands.context import Actor, Env
from commands.fiscal import Period
from commands.parsing import ParseError
from commands.periods import as_of_day, parse_as_of, parse_period
from commands.results import CommandError, Duplicate, Problem, Stop
from commands.unit import Unit, run_unit
from commands.workspace import ensure_workspace
from store import campaigns as store_campaigns
from store.models import Campaign, CampaignMemberVersion, Workspace

EXAMPLE = "council campaigns --period 2026-Q4 --as-of 2026-11-30"


@dataclass(frozen=True)
class When:
    """What campaign figures are computed for: the period (None: all time) and the moment."""

    workspace: Workspace
    zone: ZoneInfo
    period: Period | None
    at: datetime


def read_when(
    session: Session, env: Env, actor: Actor, period_text: str | None, as_of_text: str | None
) -> When:
    workspace = ensure_workspace(session, actor, env.now())
    zone = ZoneInfo(workspace.timezone)
    try:
        at = parse_as_of(as_of_text, env.now(), zone)
        period = (
            parse_period(period_text, as_of_day(at, zone), workspace.fiscal_year_start_month)
            if period_text
            else None
        )
    except ParseError as error:
        raise CommandError(Problem(str(error), example=EXAMPLE)) from None
    return When(workspace, zone, period, at)


def figures_for(session: Session, when: When, subtree: int | None = None) -> CampaignFigures:
    return campaign_figures(
        session,
        when.workspace.id,
        when.zone,
        when.period,
        when.at,
        when.workspace.currency_symbol,
        subtree,
    )


def build_campaigns(
    env: Env, actor: Actor, period: str | None = None, as_of: str | None = None
) -> CampaignFigures | Stop | Duplicate:
    """Every campaign with SPEC section 9's figures, for the CLI, the console and Slack."""

    def work(unit: Unit) -> CampaignFigures:
        return figures_for(unit.session, read_when(unit.session, env, actor, period, as_of))

    return run_unit(env, actor, work)


@dataclass(frozen=True)
class StatusCount:
    label: str
    has_responded: bool
    is_default: bool
    members: int


@dataclass(frozen=True)
class CampaignShown:
    """One campaign: its fields, its members by status at the moment, its figures, and the
    hierarchy it sits in (its ancestors, and its descendants with their roll-ups)."""

    line: CampaignLine
    campaign_status: str | None
    start: str | None
    end: str | None
    budgeted_cost: str | None
    statuses: list[StatusCount]
    ancestors: list[CampaignLine]
    descendants: list[CampaignLine]
    figures: CampaignFigures


def members_by_status(session: Session, campaign: Campaign, at: datetime) -> dict[str, int]:
    v = CampaignMemberVersion
    query = (
        select(v.status, func.count())
        .where(
            v.workspace_id == campaign.workspace_id,
            v.campaign_id == campaign.id,
            v.valid_from <= at,
            (v.valid_to.is_(None)) | (v.valid_to > at),
        )
        .group_by(v.status)
    )
    return {label: int(n) for label, n in session.execute(query)}


def find_campaign(session: Session, workspace_id: str, name: str) -> Campaign:
    """The campaign named (or with this Salesforce Id); a Problem naming the candidates
    when there are none or several."""
    found = store_campaigns.campaigns_named(session, workspace_id, name)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        ids = ", ".join(c.external_id or f"#{c.id}" for c in found)
        raise CommandError(
            Problem(f"{len(found)} campaigns are named `{name}` ({ids}); name one by its Id.")
        )
    like = store_campaigns.campaigns_matching(session, workspace_id, name)
    if len(like) == 1:
        return like[0]
    hint = f" Did you mean: {', '.join(c.name for c in like[:5])}?" if like else ""
    raise CommandError(Problem(f"No campaign is named `{name}`.{hint}", example="/campaign list"))


def show_campaign(session: Session, when: When, campaign: Campaign) -> CampaignShown:
    # Only the campaign and those below it are counted: what it shows, and no more.
    figures = figures_for(session, when, subtree=campaign.id)
    line = figures.by_id(campaign.id)
    assert line is not None  # every campaign of the workspace has a line
    counts = members_by_status(session, campaign, when.at)
    statuses = [
        StatusCount(s.label, s.has_responded, s.is_default, counts.pop(s.label, 0))
        for s in store_campaigns.statuses_of(session, [campaign.id])[campaign.id]
    ]
    # A status since removed that members still held at the moment.
    statuses += [StatusCount(label, False, False, n) for label, n in sorted(counts.items())]
    by_id = {c.id: c for c in figures.campaigns}
    ancestors: list[CampaignLine] = []
    parent = line.parent_id
    while parent is not None and parent in by_id and by_id[parent] not in ancestors:
        ancestors.insert(0, by_id[parent])
        parent = by_id[parent].parent_id
    descendants = _descendants(figures.campaigns, campaign.id)
    return CampaignShown(
        line,
        campaign.status,
        campaign.start_date.isoformat() if campaign.start_date else None,
        campaign.end_date.isoformat() if campaign.end_date else None,
        None if campaign.budgeted_cost is None else f"{campaign.budgeted_cost:.2f}",
        statuses,
        ancestors,
        descendants,
        figures,
    )


def _descendants(lines: list[CampaignLine], root: int) -> list[CampaignLine]:
    """The campaign's descendants depth first, children by name."""
    children: dict[int, list[CampaignLine]] = {}
    for line in lines:
        if line.parent_id is not None:
            children.setdefault(line.parent_id, []).append(line)
    found: list[CampaignLine] = []
    seen = {root}

    def walk(parent: int) -> None:
        for child in children.get(parent, []):
            if child.id not in seen:
                seen.add(child.id)
                found.append(child)
                walk(child.id)

    walk(root)
    return found
