"""A realistic sales organisation of any size, for benchmarks and demos: reps under
managers, targets per quarter, and deals whose stages, amounts and close dates change over
their lives. The same seed (and the same day) gives the same organisation.

Deals are made and written in batches, so a million never sit in memory at once.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commands.campaigns.demo import add_campaigns
from commands.context import Actor, Env
from commands.fiscal import quarter_containing, shift_quarters
from commands.workspace import DEFAULT_SOURCES, ensure_workspace
from store import deals, people, targets, workspaces
from store.deals import NewDeal
from store.models import Deal, Person

VALUES = {
    "product": ("Platform", "Analytics", "Data Cloud", "Security", "Services"),
    "region": ("AMER", "EMEA", "APAC", "LATAM"),
    "segment": ("Enterprise", "Mid-Market", "SMB"),
    "source": DEFAULT_SOURCES,
}
# How often each value comes up, so the APM's rows differ as real ones do.
WEIGHTS = {
    "product": (40, 25, 15, 12, 8),
    "region": (45, 30, 18, 7),
    "segment": (20, 35, 45),
    "source": (30, 20, 15, 5, 5, 15, 10),
}
OPEN_STAGES = (
    ("Prospecting", "Pipeline"),
    ("Qualification", "Pipeline"),
    ("Consideration", "Best Case"),
    ("Decision", "Commit"),
)
WON = ("Closed Won", "Closed", "won")
LOST = ("Closed Lost", "Omitted", "lost")
FIRST = ("Alex", "Sam", "Jo", "Lee", "Ana", "Tom", "Maya", "Priya", "Omar", "Chen", "Ines", "Kofi")
LAST = ("Park", "Kim", "Silva", "Berg", "Chen", "Nair", "Ortiz", "Haddad", "Novak", "Okafor")
ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell")
KINDS = ("renewal", "expansion", "new logo", "pilot", "upsell")
NEXT_STEPS = ("send MSA", "pricing call", "security review", "exec sponsor meeting", None)
DEALS_PER_REP = 1000  # a 1,000-rep company has about a million deals over three years
REPS_PER_MANAGER = 8
BATCH = 5000
ADMIN_USER = "U0GENADMIN"  # the generated admin's Slack id, to act as them


@dataclass(frozen=True)
class Generated:
    workspace_id: str
    people: int
    deals: int
    versions: int


@dataclass
class _Totals:
    """Closed and generated amounts per quarter and cell, for realistic targets."""

    closed: dict[tuple[str, str, str], Decimal]
    pipegen: dict[tuple[str, str, str], Decimal]


def generate(
    env: Env,
    workspace_id: str,
    *,
    deals_count: int,
    years: int = 3,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Generated:
    """Create the organisation in an empty workspace; refuse one that has deals."""
    now = env.now()
    today = now.date()
    rng = random.Random(seed)
    with env.db.transaction() as session:
        taken = session.scalar(
            select(func.count()).select_from(Deal).where(Deal.workspace_id == workspace_id)
        )
        if taken:
            raise ValueError(
                f"workspace {workspace_id} already has {taken} deals; pick another with --workspace"
            )
        reps, people_count = _organisation(session, workspace_id, deals_count, rng, now)
        # Their own random numbers: the same seed gives the same deals as before campaigns.
        campaigns = add_campaigns(session, workspace_id, now, random.Random(seed + 1))
        by_source = {source: [c.id for c in found] for source, found in campaigns.items()}
    totals = _Totals(defaultdict(Decimal), defaultdict(Decimal))
    written = versions = 0
    stream = _deals(rng, seed, reps, deals_count, years, today, totals, by_source)
    while written < deals_count:
        batch = [next(stream) for _ in range(min(BATCH, deals_count - written))]
        with env.db.transaction() as session:
            deals.insert_deals(session, workspace_id, batch)
            if _doubled(written, len(batch)):
                deals.refresh_statistics(session)
        written += len(batch)
        versions += sum(len(item.states) for item in batch)
        if progress:
            progress(written)
    with env.db.transaction() as session:
        _targets(session, workspace_id, totals, rng, today, years, now)
    env.db.tidy_after_load()
    return Generated(workspace_id, people_count, written, versions)


def _doubled(before: int, added: int) -> bool:
    """True when the table has just doubled: statistics are refreshed log(n) times."""
    return before == 0 or int(math.log2(before + added)) > int(math.log2(before))


def _organisation(
    session: Session, workspace_id: str, deals_count: int, rng: random.Random, now: datetime
) -> tuple[list[tuple[int, float]], int]:
    """An admin, managers with eight reps each, and the dimension values. Returns each rep's
    id with their own win rate (20% to 40%)."""
    ensure_workspace(session, Actor(workspace_id, ADMIN_USER, "Vera Sales", "generator"), now)
    admin = people.add_person(
        session,
        workspace_id,
        display_name="Vera Sales",
        slack_user_id=ADMIN_USER,
        role="admin",
        now=now,
    )
    rep_count = max(4, round(deals_count / DEALS_PER_REP))
    manager_count = max(1, math.ceil(rep_count / REPS_PER_MANAGER))
    managers = [
        people.add_person(
            session,
            workspace_id,
            display_name=f"{_name(rng)} (manager {i + 1})",
            slack_user_id=None,
            role="manager",
            manager_id=admin.id,
            now=now,
        )
        for i in range(manager_count)
    ]
    reps: list[Person] = [
        people.add_person(
            session,
            workspace_id,
            display_name=f"{_name(rng)} {i + 1:04d}",
            slack_user_id=None,
            role="rep",
            manager_id=managers[i // REPS_PER_MANAGER].id,
            now=now,
        )
        for i in range(rep_count)
    ]
    for dimension, values in VALUES.items():
        known = set(workspaces.list_dimension_values(session, workspace_id, dimension))
        for value in values:
            if value not in known:
                workspaces.add_dimension_value(session, workspace_id, dimension, value)
    return [(rep.id, rng.uniform(0.20, 0.40)) for rep in reps], 1 + manager_count + rep_count


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=UTC)


def _deals(
    rng: random.Random,
    seed: int,
    reps: list[tuple[int, float]],
    count: int,
    years: int,
    today: date,
    totals: _Totals,
    campaigns: dict[str, list[int]],
) -> Iterator[NewDeal]:
    first_day = today - timedelta(days=365 * years)
    span = (today - first_day).days
    # rng.choices(values, weights) with its cumulative weights summed once, not per deal:
    # the same draw from the same random number.
    cumulative = {dim: list(accumulate(WEIGHTS[dim])) for dim in VALUES}
    draws = [(d, VALUES[d], cum, cum[-1] + 0.0, len(cum) - 1) for d, cum in cumulative.items()]
    uniform = rng.random
    for index in range(count):
        owner, win_rate = reps[index % len(reps)]
        cells = {
            dim: values[bisect(cum, uniform() * total, 0, hi)]
            for dim, values, cum, total, hi in draws
        }
        created = first_day + timedelta(days=rng.randrange(span + 1))
        states = _life(rng, index, owner, win_rate, cells, created, today)
        # Every state names a campaign (or none): a batch's rows must share their columns.
        sourced = campaigns.get(cells["source"], [])
        campaign_id = sourced[index % len(sourced)] if sourced else None
        for _at, state in states:
            state["campaign_id"] = campaign_id
        _count(totals, states, cells)
        yield NewDeal(f"GEN{seed}-{index:07d}", states, owner, "generator")


def _life(
    rng: random.Random,
    index: int,
    owner: int,
    win_rate: float,
    cells: dict[str, str],
    created: date,
    today: date,
) -> list[tuple[datetime, dict[str, Any]]]:
    """A deal's states from creation to now: stages advancing, close dates pushed or pulled
    in, amounts revised, and sometimes a won deal reopened."""
    amount = Decimal(f"{min(rng.lognormvariate(10.3, 0.9), 5_000_000):.2f}")
    cycle = int(min(max(rng.lognormvariate(math.log(75), 0.5), 14), 300))
    close = min(created + timedelta(days=cycle), today + timedelta(days=182))
    state: dict[str, Any] = {
        "name": f"{rng.choice(ACCOUNTS)} {rng.choice(KINDS)} {index}",
        "account": rng.choice(ACCOUNTS),
        "owner_id": owner,
        **cells,
        "stage": "Prospecting",
        "status": "open",
        "amount": amount,
        "close_date": close,
        "created_date": created,
        "next_step": rng.choice(NEXT_STEPS),
        "forecast_category": "Pipeline",
        "category_is_explicit": False,
    }
    at = _moment(created, rng)
    states = [(at, dict(state))]
    end = min(close, today)
    steps = max(1, (end - created).days)
    outcome = None
    if close < today:
        outcome = WON if rng.random() < win_rate else LOST
        if rng.random() < 0.05:
            outcome = None  # still open after its close date: a stale deal
    reached = 3 if outcome else min(3, int(4 * (today - created).days / max(1, cycle)))
    if outcome is LOST:
        reached = rng.randint(0, 3)
    events: list[tuple[int, dict[str, Any]]] = []
    for stage in range(1, reached + 1):
        name, category = OPEN_STAGES[stage]
        events.append(
            (stage * steps // (reached + 2), {"stage": name, "forecast_category": category})
        )
    if rng.random() < 0.30:  # pushed out
        events.append((rng.randrange(steps), {"close_date": None, "push": rng.randint(14, 60)}))
    if rng.random() < 0.12:  # pulled in
        events.append((rng.randrange(steps), {"close_date": None, "push": -rng.randint(7, 30)}))
    if rng.random() < 0.35:  # amount revised
        factor = Decimal(str(round(rng.uniform(0.6, 1.4), 2)))
        events.append(
            (rng.randrange(steps), {"amount": (amount * factor).quantize(Decimal("0.01"))})
        )
    events.sort(key=lambda event: event[0])
    for offset, change in events:
        if "push" in change:
            moved = state["close_date"] + timedelta(days=change["push"])
            latest = today + timedelta(days=182)
            change = {"close_date": min(max(moved, created + timedelta(days=7)), latest)}
            if outcome and change["close_date"] >= today:
                continue  # a deal that has closed keeps a close date in the past
        at = _later(at, created + timedelta(days=offset), rng)
        state.update(change)
        states.append((at, dict(state)))
    if outcome:
        at = _later(at, state["close_date"], rng)
        _close(state, outcome)
        states.append((at, dict(state)))
        reopen_day = state["close_date"] + timedelta(days=rng.randint(5, 20))
        if outcome is WON and rng.random() < 0.03 and reopen_day < today:
            at = _later(at, reopen_day, rng)
            state.update(stage="Decision", status="open", forecast_category="Commit")
            states.append((at, dict(state)))
            again = reopen_day + timedelta(days=rng.randint(10, 40))
            if again < today:
                at = _later(at, again, rng)
                state["close_date"] = again
                _close(state, WON if rng.random() < 0.5 else LOST)
                states.append((at, dict(state)))
    return states


def _later(previous: datetime, day: date, rng: random.Random) -> datetime:
    """A moment on `day`, strictly after the previous version began."""
    return max(_moment(day, rng), previous + timedelta(minutes=1))


def _close(state: dict[str, Any], outcome: tuple[str, str, str]) -> None:
    state["stage"], state["forecast_category"], state["status"] = outcome


def _count(
    totals: _Totals, states: list[tuple[datetime, dict[str, Any]]], cells: dict[str, str]
) -> None:
    last = states[-1][1]
    created_q = _quarter(last["created_date"])
    closed_q = _quarter(last["close_date"]) if last["status"] == "won" else None
    amount = last["amount"]
    for dim, value in (("total", ""), *cells.items()):
        totals.pipegen[(created_q, dim, value)] += amount
        if closed_q:
            totals.closed[(closed_q, dim, value)] += amount


@lru_cache(maxsize=4096)
def _quarter(day: date) -> str:
    return quarter_containing(day).label


def _targets(
    session: Session,
    workspace_id: str,
    totals: _Totals,
    rng: random.Random,
    today: date,
    years: int,
    now: datetime,
) -> None:
    """Targets near what each quarter closed and generated, some above and some below, so
    every colour shows; this and the next two quarters aim 15% above a year earlier."""
    this = quarter_containing(today)
    periods = [shift_quarters(this, -n) for n in range(4 * years, -3, -1)]
    for period in periods:
        ahead = period.start >= this.start
        basis = shift_quarters(period, -4).label if ahead else period.label
        for metric, found in (("closed", totals.closed), ("pipegen", totals.pipegen)):
            for (label, dim, value), amount in list(found.items()):
                if label != basis or amount <= 0:
                    continue
                factor = 1.15 if ahead else rng.uniform(0.85, 1.3)
                targets.set_target(
                    session,
                    workspace_id,
                    period=period.label,
                    dimension=dim,
                    value=value,
                    metric=metric,
                    amount=(amount * Decimal(str(round(factor, 3)))).quantize(Decimal("1")),
                    now=now,
                )
