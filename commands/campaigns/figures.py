"""SPEC section 9's campaign figures, for every campaign at once, each with its roll-up
over all its descendants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.fiscal import Period
from commands.periods import place
from store import campaigns as store_campaigns
from store.campaigns import DealSums, MemberCounts
from store.models import Campaign

ZERO = Decimal("0.00")
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Figures:
    """One campaign's figures (or a campaign's and its descendants' together). Rates are
    computed from the counts and sums here, never averaged."""

    members: int = 0
    responded: int = 0
    opportunities: int = 0
    pipeline: Decimal = ZERO
    won: Decimal = ZERO
    actual_cost: Decimal | None = None

    def __add__(self, other: Figures) -> Figures:
        costs = [c for c in (self.actual_cost, other.actual_cost) if c is not None]
        return Figures(
            self.members + other.members,
            self.responded + other.responded,
            self.opportunities + other.opportunities,
            self.pipeline + other.pipeline,
            self.won + other.won,
            sum(costs, ZERO) if costs else None,
        )

    @property
    def response_rate(self) -> Decimal | None:
        """n/a without members."""
        return Decimal(self.responded) / Decimal(self.members) if self.members else None

    @property
    def cost_per_opportunity(self) -> Decimal | None:
        """n/a when there are no opportunities or no cost."""
        if not self.opportunities or not self.actual_cost:
            return None
        return self.actual_cost / Decimal(self.opportunities)

    @property
    def roi(self) -> Decimal | None:
        """(won - actual cost) / actual cost; n/a without a cost."""
        if not self.actual_cost:
            return None
        return (self.won - self.actual_cost) / self.actual_cost


def fraction(value: Decimal | None) -> float | None:
    """A rate as SPEC's JSON gives it: a fraction rounded to four places, or null."""
    if value is None:
        return None
    return float(value.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class CampaignLine:
    """A campaign, its own figures and those of it with all its descendants."""

    id: int
    external_id: str | None
    name: str
    type: str | None
    status: str | None
    parent_id: int | None
    depth: int
    own: Figures
    with_children: Figures

    @property
    def shown_id(self) -> str:
        """The Salesforce Id when known, else ours."""
        return self.external_id or str(self.id)


@dataclass(frozen=True)
class CampaignFigures:
    """Every campaign's figures for a period (None: all time up to `as_of`)."""

    period: Period | None
    as_of: datetime
    campaigns: list[CampaignLine]
    currency: str

    def by_id(self, campaign_id: int) -> CampaignLine | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)


def _own(campaign: Campaign, members: MemberCounts, deals: DealSums) -> Figures:
    return Figures(
        members.members,
        members.responded,
        deals.opportunities,
        deals.pipeline,
        deals.won,
        campaign.actual_cost,
    )


def _ancestors(campaign_id: int, parents: dict[int, int | None]) -> list[int]:
    """The campaign's ancestors, nearest first; a loop (which imports refuse) stops."""
    found: list[int] = []
    parent = parents.get(campaign_id)
    while parent is not None and parent not in found and parent != campaign_id:
        found.append(parent)
        parent = parents.get(parent)
    return found


def descendants_of(campaigns: list[Campaign], root: int) -> list[int]:
    """The campaign and all below it."""
    children: dict[int, list[int]] = {}
    for c in campaigns:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c.id)
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def campaign_figures(
    session: Session,
    workspace_id: str,
    zone: ZoneInfo,
    period: Period | None,
    at: datetime,
    currency: str = "$",
    subtree: int | None = None,
) -> CampaignFigures:
    """Every campaign's figures as of `at`: two grouped queries (members, deals) and the
    campaigns themselves; each campaign's sums are added to every ancestor's roll-up.
    With `subtree`, only that campaign and its descendants are counted (their own and
    rolled-up figures are the same as in the whole list; the others' are left at zero)."""
    window = place(period, at, zone).window if period is not None else None
    campaigns = store_campaigns.all_campaigns(session, workspace_id)
    only = descendants_of(campaigns, subtree) if subtree is not None else None
    members = store_campaigns.member_counts(session, workspace_id, at, window, only)
    deals = store_campaigns.deal_sums(session, workspace_id, at, window, only)
    counted = set(only) if only is not None else None
    own = {
        c.id: _own(c, members.get(c.id, MemberCounts()), deals.get(c.id, DealSums()))
        if counted is None or c.id in counted
        else Figures()
        for c in campaigns
    }
    parents = {c.id: c.parent_id for c in campaigns}
    rolled = dict(own)
    depth: dict[int, int] = {}
    for c in campaigns:
        above = _ancestors(c.id, parents)
        depth[c.id] = len(above)
        for ancestor in above:
            if ancestor in rolled:
                rolled[ancestor] = rolled[ancestor] + own[c.id]
    lines = [
        CampaignLine(
            c.id,
            c.external_id,
            c.name,
            c.type,
            c.status,
            c.parent_id,
            depth[c.id],
            own[c.id],
            rolled[c.id],
        )
        for c in campaigns
    ]
    lines.sort(key=lambda line: (line.name, line.id))
    return CampaignFigures(period, at, lines, currency)
