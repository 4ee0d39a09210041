"""Campaigns for the demo and generated organisations: a small hierarchy with members
whose statuses change over time, and the campaign a marketing-sourced deal came from."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from store import campaigns as store_campaigns
from store.campaigns import NewMember, StatusSpec
from store.models import Campaign

# name, Salesforce Id, type, parent, actual cost, budget, members
DEMO_CAMPAIGNS = (
    ("FY Demand Gen", "701DEMO0000000001", "Other", None, None, Decimal(150_000), 0),
    ("Summit 2026", "701DEMO0000000002", "Event", "FY Demand Gen", Decimal(60_000), None, 160),
    ("Summit webinars", "701DEMO0000000003", "Webinar", "Summit 2026", Decimal(8_000), None, 90),
    ("Q4 nurture emails", "701DEMO0000000004", "Email", "FY Demand Gen", Decimal(5_000), None, 240),
    ("Partner co-marketing", "701DEMO0000000005", "Partner", None, Decimal(20_000), None, 40),
)
# An event's statuses: invited by default, attending counts as a response.
EVENT_STATUSES = (
    StatusSpec("Invited", False, True, 1),
    StatusSpec("Registered", False, False, 2),
    StatusSpec("Attended", True, False, 3),
    StatusSpec("No show", False, False, 4),
)


def add_campaigns(
    session: Session,
    workspace_id: str,
    now: datetime,
    rng: random.Random,
    *,
    with_members: bool = True,
) -> dict[str, list[Campaign]]:
    """The demo hierarchy, and (with members) leads that joined over the last four months,
    some of whom moved on to a responded status later. Returns the campaigns a deal can
    carry, by the source that sends such deals (Marketing, Partner)."""
    made: dict[str, Campaign] = {}
    today = now.date()
    for name, external_id, kind, parent, cost, budget, _count in DEMO_CAMPAIGNS:
        made[name] = store_campaigns.create_campaign(
            session,
            workspace_id,
            {
                "name": name,
                "external_id": external_id,
                "type": kind,
                "status": "In Progress",
                "parent_id": made[parent].id if parent else None,
                "start_date": today - timedelta(days=120),
                "end_date": today + timedelta(days=60),
                "actual_cost": cost,
                "budgeted_cost": budget,
            },
            now,
        )
    summit = made["Summit 2026"]
    store_campaigns.replace_statuses(session, summit, EVENT_STATUSES, ())
    if with_members:
        for name, _id, _kind, _parent, _cost, _budget, count in DEMO_CAMPAIGNS:
            _add_members(session, workspace_id, made[name], count, today, now, rng)
    return {
        "Marketing": [made["Summit 2026"], made["Summit webinars"], made["Q4 nurture emails"]],
        "Partner": [made["Partner co-marketing"]],
    }


def _add_members(
    session: Session,
    workspace_id: str,
    campaign: Campaign,
    count: int,
    today: date,
    now: datetime,
    rng: random.Random,
) -> None:
    statuses = store_campaigns.statuses_of(session, [campaign.id])[campaign.id]
    default = next(s for s in statuses if s.is_default)
    responded = [s for s in statuses if s.has_responded]
    on_the_way = [s for s in statuses if not s.has_responded and not s.is_default]
    new = []
    for index in range(count):
        day = today - timedelta(days=rng.randint(1, 120))
        joined = datetime.combine(day, time(rng.randint(8, 17)), tzinfo=UTC)
        # Some register first; about a third respond, days after joining (never after now).
        steps = [rng.choice(on_the_way)] if on_the_way and rng.random() < 0.4 else []
        if rng.random() < 0.35:
            steps.append(rng.choice(responded))
        later: list[tuple[datetime, str]] = []
        when = joined
        for status in steps:
            when = min(when + timedelta(days=rng.randint(1, 10)), now)
            later.append((when, status.label))
        first_response = next(
            (at.date() for at, label in later if label in {s.label for s in responded}), None
        )
        lead = f"00QDEMO{campaign.id:03d}{index:05d}"
        new.append(
            NewMember(
                None,
                campaign.id,
                lead,
                None,
                default.label,
                first_response,
                joined,
                day,
                tuple(later),
            )
        )
    store_campaigns.insert_members(session, workspace_id, new)


def campaign_for(
    source: str | None, index: int, by_source: dict[str, list[Campaign]]
) -> int | None:
    """The campaign a deal of this source came from (marketing and partner deals only),
    picked by the deal's number so the organisation's other numbers stay as they were."""
    choices = by_source.get(source or "")
    return choices[index % len(choices)].id if choices else None
