"""A small demo organisation, so anyone can try the bot on a laptop."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commands.business_hours import add_business_hours
from commands.campaigns.demo import add_campaigns, campaign_for
from commands.context import Actor, Env
from commands.fiscal import quarter_containing, shift_quarters
from commands.workspace import DEFAULT_STAGES, ensure_workspace
from store import deals, people, targets, workspaces
from store import leads as store_leads
from store.models import Campaign, Deal, Lead, Person

DEMO_PEOPLE = (
    # name, slack id, role, manager
    ("Maya Chen", "U0DEMO001", "admin", None),
    ("Sam Ortiz", "U0DEMO002", "manager", "Maya Chen"),
    ("Priya Nair", "U0DEMO003", "manager", "Maya Chen"),
    ("Jo Park", "U0DEMO004", "rep", "Sam Ortiz"),
    ("Lee Kim", "U0DEMO005", "rep", "Sam Ortiz"),
    ("Ana Silva", "U0DEMO006", "rep", "Priya Nair"),
    ("Tom Berg", "U0DEMO007", "rep", "Priya Nair"),
)
VALUES = {
    "product": ("Platform", "Analytics", "Services"),
    "region": ("AMER", "EMEA", "APAC"),
    "segment": ("Enterprise", "Mid-Market", "SMB"),
}
ACCOUNTS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Vandelay",
    "Pied Piper",
    "Massive Dynamic",
)
KINDS = ("renewal", "expansion", "new logo", "pilot", "upsell")
NEXT_STEPS = ("send MSA", "pricing call", "security review", "exec sponsor meeting", None)


@dataclass(frozen=True)
class DemoSummary:
    loaded: bool
    people: int
    deals: int


def load_demo(env: Env, workspace_id: str = "local", deal_count: int = 120) -> DemoSummary:
    """Fill an empty workspace with a demo sales team and deals that have histories."""
    with env.db.transaction() as session:
        now = env.now()
        existing = session.scalar(
            select(func.count()).select_from(Deal).where(Deal.workspace_id == workspace_id)
        )
        if existing:
            return DemoSummary(False, people.count_people(session, workspace_id), existing)
        admin = DEMO_PEOPLE[0]
        ensure_workspace(session, Actor(workspace_id, admin[1], admin[0], "demo", "demo"), now)
        team = _people(session, workspace_id, now)
        for dimension, values in VALUES.items():
            known = set(workspaces.list_dimension_values(session, workspace_id, dimension))
            for value in values:
                if value not in known:
                    workspaces.add_dimension_value(session, workspace_id, dimension, value)
        reps = [p for p in team if p.role == "rep"]
        # Campaigns draw on their own random numbers, so the deals stay the ones they were.
        campaigns = add_campaigns(session, workspace_id, now, random.Random(2027))
        rng = random.Random(2026)
        for index in range(deal_count):
            _deal(session, workspace_id, rng, reps[index % len(reps)], index, now, campaigns)
        _targets(session, workspace_id, now)
        demo_leads(session, workspace_id, team, now)
        return DemoSummary(True, len(team), deal_count)


def _targets(session: Session, workspace_id: str, now: datetime) -> None:
    """Targets for this quarter and the same quarter last year, so the APM has colours."""
    this = quarter_containing(now.date())
    for period in (this, shift_quarters(this, -4)):
        for product in VALUES["product"]:
            for metric, amount in (("closed", 150_000), ("pipegen", 400_000)):
                targets.set_target(
                    session,
                    workspace_id,
                    period=period.label,
                    dimension="product",
                    value=product,
                    metric=metric,
                    amount=Decimal(amount),
                    now=now,
                )
        targets.set_target(
            session,
            workspace_id,
            period=period.label,
            dimension="total",
            value="",
            metric="closed",
            amount=Decimal(450_000),
            now=now,
        )


def _people(session: Session, workspace_id: str, now: datetime) -> list[Person]:
    made: dict[str, Person] = {}
    for name, slack_id, role, boss in DEMO_PEOPLE:
        person = people.person_by_slack_id(session, workspace_id, slack_id)
        if person is None:
            person = people.add_person(
                session, workspace_id, display_name=name, slack_user_id=slack_id, role=role, now=now
            )
        person.role = role
        person.manager_id = made[boss].id if boss else None
        made[name] = person
    return list(made.values())


def _at(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=UTC)


def _deal(
    session: Session,
    workspace_id: str,
    rng: random.Random,
    rep: Person,
    index: int,
    now: datetime,
    campaigns: dict[str, list[Campaign]],
) -> None:
    today = now.date()
    created = today - timedelta(days=rng.randint(10, 500))
    close = created + timedelta(days=rng.randint(30, 200))
    amount = Decimal(int(rng.lognormvariate(10.8, 0.8))).quantize(Decimal(1000))
    first = DEFAULT_STAGES[0]
    state = {
        "name": f"{rng.choice(ACCOUNTS)} {rng.choice(KINDS)} {index + 1}",
        "account": rng.choice(ACCOUNTS),
        "owner_id": rep.id,
        "product": rng.choice(VALUES["product"]),
        "region": rng.choice(VALUES["region"]),
        "segment": rng.choice(VALUES["segment"]),
        "source": rng.choice(("AE", "BDR", "SDR", "Marketing", "Partner")),
        "stage": first.name,
        "status": first.status,
        "amount": amount,
        "close_date": close,
        "created_date": created,
        "next_step": rng.choice(NEXT_STEPS),
        "forecast_category": first.category,
    }
    state["campaign_id"] = campaign_for(str(state["source"]), index, campaigns)
    deal = deals.create_deal(
        session, workspace_id, state, by=rep.id, source="demo", at=_at(created)
    )
    # Walk the deal forward through the stages; deals closing in the past end won or lost.
    steps = rng.randint(1, 4)
    span = max(1, (min(close, today) - created).days)
    for step in range(1, steps + 1):
        when = created + timedelta(days=span * step // (steps + 1))
        stage = DEFAULT_STAGES[min(step, 3)]
        change: dict[str, object] = {
            "stage": stage.name,
            "status": stage.status,
            "forecast_category": stage.category,
        }
        if rng.random() < 0.3:
            change["amount"] = (amount * Decimal(rng.choice(("0.8", "1.2")))).quantize(Decimal(1))
        if rng.random() < 0.2:
            change["close_date"] = close + timedelta(days=rng.choice((-14, 21, 35)))
        deals.change_deal(session, deal, change, by=rep.id, source="demo", at=_at(when))
    if close < today:
        won = rng.random() < 0.35
        stage = DEFAULT_STAGES[4 if won else 5]
        change = {
            "stage": stage.name,
            "status": stage.status,
            "forecast_category": stage.category,
        }
        deals.change_deal(
            session, deal, change, by=rep.id, source="demo", at=_at(deal.close_date or close)
        )


LEAD_SOURCES = ("Marketing", "Marketing", "Marketing", "Partner", "SDR")
# The demo campaigns of `commands/campaigns/demo.py`: Summit webinars, Q4 nurture emails,
# Summit 2026.
CAMPAIGNS = ("701DEMO0000000003", "701DEMO0000000004", "701DEMO0000000002", None)
REJECTIONS = ("Not a fit", "No budget", "Wrong contact", "Already in pipeline")


def demo_leads(session: Session, workspace_id: str, team: list[Person], now: datetime) -> None:
    """The hand-off SLA's demo: a quarter of MQLs accepted, rejected with reasons and
    converted; and, for `/handoff` in the console, one fresh MQL for Jo Park, one that
    breached its follow-up time (Jo's manager hears), one missing its company (back to
    marketing)."""
    store_leads.save_settings(
        session,
        workspace_id,
        {
            "required_fields": ["company"],
            "follow_up_hours": 24,
            "day_starts": "09:00",
            "day_ends": "17:00",
            "workdays": [0, 1, 2, 3, 4],
            "feedback_days": 5,
            "rejection_reasons": [*REJECTIONS, "No response"],
            "marketing_channel": "#marketing",
        },
        now,
    )
    this = quarter_containing(now.date())
    for dimension, value, metric, amount in (
        ("total", "", "mqls", 60),
        ("source", "Marketing", "mqls", 40),
        ("source", "Marketing", "pipegen", 600_000),
    ):
        targets.set_target(
            session,
            workspace_id,
            period=this.label,
            dimension=dimension,
            value=value,
            metric=metric,
            amount=Decimal(amount),
            now=now,
        )
    reps = [p for p in team if p.role == "rep"]
    jo = next(p for p in team if p.display_name == "Jo Park")
    deal_ids = list(
        session.scalars(
            select(Deal.id)
            .where(Deal.workspace_id == workspace_id, Deal.status != "lost")
            .order_by(Deal.id)
        )
    )
    rng = random.Random(17)
    start = datetime.combine(this.start, time(9), tzinfo=UTC)
    days = max(1, (now - start).days - 8)
    for index in range(40):
        mql = start + timedelta(days=rng.randrange(days), hours=rng.randrange(8))
        lead = _lead(session, workspace_id, rng, reps[index % len(reps)], index, mql)
        hours = rng.choice((1, 2, 3, 5, 8, 12, 20, 30, 45))
        followed = add_business_hours(mql, hours, ZoneInfo("UTC"))
        if rng.random() < 0.3:
            reason = rng.choice(REJECTIONS)
            lead.rejected_at, lead.rejection_reason = followed, reason
            lead.feedback_at = followed
            store_leads.record_change(
                session, lead, "rejected", at=followed, via="demo", reason=reason
            )
        else:
            lead.accepted_at = followed
            store_leads.record_change(session, lead, "accepted", at=followed, via="demo")
            if deal_ids and rng.random() < 0.4:
                lead.converted_at = followed + timedelta(days=2)
                lead.converted_deal_id = deal_ids.pop(rng.randrange(len(deal_ids)))
                store_leads.record_change(
                    session, lead, "converted", at=lead.converted_at, via="demo"
                )
        lead.handed_off_at = mql
    # For the console's /handoff: a fresh MQL, a breach, and a lead missing its company.
    fresh = _lead(session, workspace_id, rng, jo, 40, now - timedelta(minutes=5))
    fresh.name, fresh.company = "Riley Shaw", "Northwind"
    late_at = now - timedelta(days=6)
    late = _lead(session, workspace_id, rng, jo, 41, late_at)
    late.name, late.handed_off_at, late.reminded_at = "Casey Lin", late_at, late_at
    blank = _lead(session, workspace_id, rng, jo, 42, now - timedelta(minutes=5))
    blank.name, blank.company = "Morgan Fox", None


def _lead(
    session: Session,
    workspace_id: str,
    rng: random.Random,
    owner: Person,
    index: int,
    mql: datetime,
) -> Lead:
    company = rng.choice(ACCOUNTS)
    lead = Lead(
        workspace_id=workspace_id,
        external_id=f"00QDEMO{index:04d}",
        name=f"Lead {index + 1}",
        company=company,
        email=f"lead{index + 1}@{company.split()[0].lower()}.example",
        source=rng.choice(LEAD_SOURCES),
        segment=rng.choice(VALUES["segment"]),
        campaign_external_id=rng.choice(CAMPAIGNS),
        owner_id=owner.id,
        status="Open",
        created_at=mql - timedelta(days=3),
        mql_at=mql,
        fields={},
        updated_at=mql,
    )
    session.add(lead)
    session.flush()
    store_leads.record_change(session, lead, "Open", at=lead.created_at, via="demo", first=True)
    store_leads.record_change(session, lead, "MQL", at=mql, via="demo")
    return lead
