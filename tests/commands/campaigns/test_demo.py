"""The demo organisation has campaigns: a hierarchy, members whose statuses changed, and
marketing and partner deals carrying them; its figures match a count made here from the
rows themselves."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from commands.campaigns.figures import CampaignFigures
from commands.campaigns.reading import build_campaigns
from commands.context import Actor, Env
from commands.demo import load_demo
from store.models import (
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    CampaignMemberVersion,
    DealVersion,
)

MAYA = Actor("local", "U0DEMO001", "Maya Chen", "console")


def test_the_demo_has_a_campaign_hierarchy_whose_figures_match_its_rows(env: Env):
    load_demo(env, deal_count=40)  # fewer deals than the full demo: the same campaigns
    result = build_campaigns(env, MAYA)
    assert isinstance(result, CampaignFigures)
    lines = {line.name: line for line in result.campaigns}
    with env.db.transaction() as session:
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        members = list(session.scalars(select(CampaignMember)))
        responded = {
            (s.campaign_id, s.label)
            for s in session.scalars(select(CampaignMemberStatus))
            if s.has_responded
        }
        changes = session.scalars(select(CampaignMemberVersion)).all()
        now = env.now()
        # Each deal as it stands now (the demo dates some wins after today).
        deals = [
            v
            for v in session.scalars(
                select(DealVersion).where(DealVersion.campaign_id.is_not(None))
            )
            if v.valid_from <= now and (v.valid_to is None or v.valid_to > now)
        ]
    assert {c.name for c in campaigns.values()} == set(lines)
    # Three levels: Summit webinars under Summit 2026 under FY Demand Gen.
    webinars = lines["Summit webinars"]
    assert lines["Summit 2026"].id == webinars.parent_id
    assert lines["FY Demand Gen"].id == lines["Summit 2026"].parent_id
    assert len(changes) > len(members)  # some members moved on from their first status
    assert {d.source for d in deals} == {"Marketing", "Partner"}

    def subtree(root: int) -> set[int]:
        found = {root}
        while True:
            more = {c.id for c in campaigns.values() if c.parent_id in found} - found
            if not more:
                return found
            found |= more

    for line in result.campaigns:
        ids = subtree(line.id)
        mine = [m for m in members if m.campaign_id in ids]
        answered = [m for m in mine if (m.campaign_id, m.status) in responded]
        sourced = [d for d in deals if d.campaign_id in ids]
        won = sum((d.amount or 0 for d in sourced if d.status == "won"), Decimal(0))
        costs = [campaigns[i].actual_cost for i in ids if campaigns[i].actual_cost is not None]
        rolled = line.with_children
        assert (rolled.members, rolled.responded) == (len(mine), len(answered)), line.name
        assert (rolled.opportunities, rolled.won) == (len(sourced), won), line.name
        assert rolled.actual_cost == (sum(costs, Decimal(0)) if costs else None), line.name
    summit = lines["Summit 2026"].own
    assert summit.members == 160 and 0 < summit.responded < 160
