"""Who may do what, row by row: each action tried by every role, with its effect present
when allowed and absent when refused. PERMISSIONS.md holds the same table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from commands import alerts, checklist, cleanup, forecast
from commands.accuracy import AccuracyReport
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealList
from commands.results import Problem, Refused
from store.models import (
    Action,
    AlertSubscription,
    Council,
    Deal,
    DealAnswer,
    DealSnooze,
    ForecastCall,
    Person,
    Target,
    Workspace,
)
from tests.support.actions import assign_spiff

TEAM = "T0TEST001"
QUESTIONS = ["budget", "exec", "deciders", "roi", "event"]


def actor(user: str, name: str, team: str = TEAM) -> Actor:
    return Actor(team, user, name, "slash_command", "testteam")


MAYA = actor("U0MAYA001", "maya")  # admin: the workspace's first person
SAM = actor("U0SAM0001", "sam")  # manages Jo
PRIYA = actor("U0PRI0001", "priya")  # manages Lee, not Jo
JO = actor("U0JO00001", "jo")  # the deal's owner
LEE = actor("U0LEE0001", "lee")  # another rep
STRANGER = actor("U0OUT0001", "out", "T0OTHER01")  # another workspace's admin
ROLES = {
    "owner (rep)": JO,
    "another rep": LEE,
    "owner's manager": SAM,
    "another manager": PRIYA,
    "admin": MAYA,
    "another workspace": STRANGER,
}

# action -> the roles that may do it (in this workspace)
TABLE = {
    "update a deal": {"owner (rep)", "owner's manager", "admin"},
    "answer its forecast questions": {"owner (rep)", "owner's manager", "admin"},
    "snooze its nudges": {"owner (rep)", "owner's manager", "admin"},
    "call one's own forecast": {
        "owner (rep)",
        "another rep",
        "owner's manager",
        "another manager",
        "admin",
    },
    "override a cell's forecast": {"owner's manager", "another manager", "admin"},
    "assign an action to a cell": {"owner's manager", "another manager", "admin"},
    "configure a council": {"admin"},
    "set a target": {"admin"},
    "change a role": {"admin"},
    "change the forecast questions": {"admin"},
    "list every deal": {"admin"},
    "import from Slack": set(),  # imports are the operator's: `council import` only
    "see a person's forecast accuracy": {"owner (rep)", "owner's manager", "admin"},
    "subscribe a channel to deal alerts": {"owner's manager", "another manager", "admin"},
}


@pytest.fixture
def org(env: Env) -> int:
    council.run(env, MAYA, "people")
    for who in (SAM, PRIYA, JO, LEE):
        deal.run(env, who, "list")
    for line in (
        "role <@U0SAM0001|sam> manager",
        "role <@U0PRI0001|priya> manager",
        "manager <@U0JO00001|jo> <@U0SAM0001|sam>",
        "manager <@U0LEE0001|lee> <@U0PRI0001|priya>",
        "role <@U0DUMMY01|dummy> rep",
        "create #pipeline dimensions=region tz=UTC",
    ):
        council.run(env, MAYA, line)
    saved = deal.run(env, JO, "new Acme stage=Decision amount=100k close=2026-12-10 region=EMEA")
    return saved.deal.id  # type: ignore[union-attr]


def count(env: Env, query) -> int:
    with env.db.transaction() as session:
        return int(session.scalar(query) or 0)


def person_id(env: Env, who: Actor) -> int:
    with env.db.transaction() as session:
        return int(
            session.scalar(
                select(Person.id).where(
                    Person.workspace_id == who.workspace_id, Person.slack_user_id == who.user_id
                )
            )
            or 0
        )


def attempt(
    env: Env, action: str, who: Actor, deal_id: int, n: int
) -> tuple[object, Callable[[], bool]]:
    """Try `action` as `who`; return the result and a check that its effect is in our
    workspace's store."""
    me = lambda: person_id(env, who)  # noqa: E731
    if action == "update a deal":
        result = deal.run(env, who, f"#{deal_id} amount={n}k")
        return result, lambda: count(env, select(Deal.amount).where(Deal.id == deal_id)) == n * 1000
    if action == "answer its forecast questions":
        # A different question each time, so every allowed answer changes something.
        result = checklist.answer(env, who, deal_id, [QUESTIONS[n % len(QUESTIONS)]])
        by = select(func.count()).where(DealAnswer.answered_by_id == me())
        return result, lambda: count(env, by) > 0
    if action == "snooze its nudges":
        result = cleanup.snooze(env, who, deal_id, "2026-12-31", f"reason {n}", f"k{n}")
        return result, lambda: count(env, select(func.count()).where(DealSnooze.by_id == me())) > 0
    if action == "call one's own forecast":
        result = forecast.run(env, who, f"{n}k")
        calls = select(func.count()).where(
            ForecastCall.called_by_id == me(), ForecastCall.workspace_id == TEAM
        )
        return result, lambda: count(env, calls) > 0
    if action == "override a cell's forecast":
        result = forecast.run(env, who, f"region EMEA {n}k")
        calls = select(func.count()).where(
            ForecastCall.overrides.is_(True),
            ForecastCall.workspace_id == TEAM,
            ForecastCall.amount == Decimal(n * 1000),
        )
        return result, lambda: count(env, calls) > 0
    if action == "assign an action to a cell":
        result = assign_spiff(
            env,
            who,
            "<@U0JO00001|jo>",
            dimension="region",
            value="EMEA",
            description=f"SPIFF {n}",
            due="2026-12-01",
            key=f"assign{n}",
            owner_timezone=None,
        )
        done = select(func.count()).where(Action.description == f"SPIFF {n}")
        return result, lambda: count(env, done) > 0
    if action == "configure a council":
        result = council.run(env, who, f"create #c{n} dimensions=product tz=UTC")
        made = select(func.count()).where(Council.workspace_id == TEAM, Council.name == f"c{n}")
        return result, lambda: count(env, made) > 0
    if action == "set a target":
        result = council.run(env, who, f"target 2026-Q4 region EMEA closed {n}k")
        target = select(func.count()).where(
            Target.workspace_id == TEAM, Target.amount == Decimal(n * 1000)
        )
        return result, lambda: count(env, target) > 0
    if action == "change a role":
        role = "manager" if n % 2 else "rep"
        dummy = select(func.count()).where(
            Person.workspace_id == TEAM, Person.slack_user_id == "U0DUMMY01", Person.role == role
        )
        before = count(env, dummy)
        result = council.run(env, who, f"role <@U0DUMMY01|dummy> {role}")
        return result, lambda: before == 0 and count(env, dummy) == 1
    if action == "change the forecast questions":
        result = council.run(env, who, f'questions add "Q{n}: Is it true {n}?"')

        def added() -> bool:
            with env.db.transaction() as session:
                workspace = session.get(Workspace, TEAM)
                assert workspace is not None
                return any(q["key"] == f"q{n}" for q in (workspace.questions or []))

        return result, added
    if action == "list every deal":
        result = deal.run(env, who, "list all")
        return (
            result,
            lambda: isinstance(result, DealList) and deal_id in {d.id for d in result.deals},
        )
    if action == "see a person's forecast accuracy":
        result = forecast.run(env, who, "accuracy <@U0JO00001|jo>")
        return result, lambda: isinstance(result, AccuracyReport) and result.cells[0].label == "jo"
    if action == "subscribe a channel to deal alerts":
        result = alerts.run(env, who, f"add won to=<#C0DEALS00{n}|deals{n}>")
        made = select(func.count()).where(
            AlertSubscription.workspace_id == TEAM, AlertSubscription.channel == f"C0DEALS00{n}"
        )
        return result, lambda: count(env, made) > 0
    assert action == "import from Slack"
    result = council.run(env, who, "import deals opportunities.csv")
    return result, lambda: False


@pytest.mark.parametrize("action", list(TABLE))
def test_each_action_by_each_role(env: Env, org: int, action: str):
    for n, (role, who) in enumerate(ROLES.items(), start=1):
        result, happened = attempt(env, action, who, org, n)
        if role in TABLE[action]:
            assert not isinstance(result, (Problem, Refused)), (role, result)
            assert happened(), role
        else:
            assert isinstance(result, (Problem, Refused)) or role == "another workspace", (
                role,
                result,
            )
            assert not happened(), (role, result)
