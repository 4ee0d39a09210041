"""A small campaign hierarchy with members and deals, built straight in the store, whose
figures the tests work out by hand (see tests/commands/campaigns/test_figures.py).

    Root (actual cost 1,000)
    ├── A (actual cost 400)
    │   └── A1 (no cost)
    └── B (actual cost 0)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from commands.context import Actor, Env
from commands.workspace import ensure_member
from store import campaigns as store_campaigns
from store import deals as store_deals
from store.campaigns import NewMember
from store.models import Campaign, CampaignMember, CampaignMemberStatus, Deal

OWNER = Actor("T0CAMP001", "U0CAMP001", "Mara Vogel", "console", "camp")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _campaign(session: Any, ws: str, name: str, external: str, **fields: Any) -> Campaign:
    return store_campaigns.create_campaign(
        session,
        ws,
        {"name": name, "external_id": external, "type": "Webinar", **fields},
        at("2026-08-01T00:00:00"),
    )


def _member(
    session: Any, ws: str, campaign: Campaign, lead: str, created: str, status: str
) -> None:
    moment = at(created)
    store_campaigns.insert_members(
        session,
        ws,
        [NewMember(f"M-{lead}", campaign.id, lead, None, status, None, moment, moment.date())],
    )


def _change(session: Any, ws: str, campaign: Campaign, lead: str, label: str, when: str) -> None:
    member = store_campaigns.find_member(session, campaign.id, lead)
    assert isinstance(member, CampaignMember)
    status = next(
        s
        for s in store_campaigns.statuses_of(session, [campaign.id])[campaign.id]
        if s.label == label
    )
    assert isinstance(status, CampaignMemberStatus)
    store_campaigns.change_member_status(session, member, status, at=at(when), by=None)


def _deal(session: Any, ws: str, owner: int, name: str, created: str, **state: Any) -> Deal:
    base = {
        "name": name,
        "account": None,
        "owner_id": owner,
        "product": None,
        "region": None,
        "segment": None,
        "source": None,
        "stage": "Prospecting",
        "status": "open",
        "next_step": None,
        "forecast_category": "Pipeline",
        "created_date": date.fromisoformat(created[:10]),
        **state,
    }
    return store_deals.create_deal(session, ws, base, by=owner, source="test", at=at(created))


def build(env: Env) -> dict[str, Campaign]:
    with env.db.transaction() as session:
        person, workspace = ensure_member(session, OWNER, at("2026-08-01T00:00:00"))
        ws = workspace.id
        root = _campaign(session, ws, "Root", "701ROOT", actual_cost=Decimal("1000.00"))
        a = _campaign(session, ws, "A", "701A", parent_id=root.id, actual_cost=Decimal("400"))
        a1 = _campaign(session, ws, "A1", "701A1", parent_id=a.id, type="Email")
        b = _campaign(session, ws, "B", "701B", parent_id=root.id, actual_cost=Decimal("0"))
        _member(session, ws, root, "m1", "2026-09-10T10:00:00", "Sent")
        _member(session, ws, root, "m2", "2026-10-05T10:00:00", "Sent")
        _change(session, ws, root, "m2", "Responded", "2026-11-01T09:00:00")
        _member(session, ws, root, "m3", "2026-11-20T10:00:00", "Responded")
        _member(session, ws, a, "m4", "2026-10-10T10:00:00", "Responded")
        _member(session, ws, a, "m5", "2026-10-12T10:00:00", "Sent")
        _change(session, ws, a, "m5", "Responded", "2026-11-20T09:00:00")
        _member(session, ws, a1, "m6", "2026-08-01T10:00:00", "Responded")
        _deal(
            session, ws, person.id, "d1", "2026-10-02T12:00:00",
            amount=Decimal("500"), close_date=date(2026, 12, 15), campaign_id=root.id,
        )  # fmt: skip
        d2 = _deal(
            session, ws, person.id, "d2", "2026-09-01T12:00:00",
            amount=Decimal("3000"), close_date=date(2026, 10, 20), campaign_id=a.id,
        )  # fmt: skip
        won = {"stage": "Closed Won", "status": "won", "forecast_category": "Closed"}
        store_deals.change_deal(
            session, d2, won, by=person.id, source="test", at=at("2026-10-20T15:00:00")
        )
        _deal(
            session, ws, person.id, "d3", "2026-10-03T12:00:00",
            amount=Decimal("700"), close_date=date(2027, 2, 1), campaign_id=a1.id,
        )  # fmt: skip
        d4 = _deal(
            session, ws, person.id, "d4", "2026-10-05T12:00:00",
            amount=Decimal("200"), close_date=date(2026, 11, 30), campaign_id=a.id,
        )  # fmt: skip
        store_deals.change_deal(
            session, d4, {"campaign_id": b.id}, by=person.id, source="test",
            at=at("2026-11-16T08:00:00"),
        )  # fmt: skip
        _deal(
            session, ws, person.id, "d5", "2026-10-04T12:00:00",
            amount=Decimal("900"), close_date=date(2026, 12, 1),
        )  # fmt: skip
        return {c.name: c for c in (root, a, a1, b)}
