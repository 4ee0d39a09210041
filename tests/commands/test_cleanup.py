"""Clean your room: stale reasons, snoozes with a reason that stop the nudge until their
date, bad snoozes that change nothing, and a manager's totals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commands import cleanup
from commands.cleanup import CleanRoom, TeamRoom
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.results import Duplicate, FormErrors, Notice, Problem, Refused
from commands.workspace import ensure_person
from store import workspaces
from store.models import DealSnooze
from tests.support.clock import FakeClock


@pytest.fixture
def stale(env: Env, maya: Actor, jo: Actor, sam: Actor, clock: FakeClock) -> dict[str, int]:
    council.run(env, maya, "people")
    made = {}
    for text in (
        'new Acme stage=Decision amount=100k close=2026-12-10 next="send MSA"',
        "new Beta stage=Decision close=2026-12-20",  # no amount, no next step
        'new Gamma stage=Qualification amount=5k close=2026-11-30 next="call"',
    ):
        saved = deal.run(env, jo, text)
        made[saved.deal.name] = saved.deal.id  # type: ignore[union-attr]
    deal.run(env, sam, "list")
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    clock.advance(days=15)  # 2026-12-08: nothing updated for 15 days; Gamma's date passed
    return made


def room_of(env: Env, actor: Actor, team: bool = False) -> CleanRoom | TeamRoom:
    with env.db.transaction() as session:
        person = ensure_person(session, actor, env.now())
        workspace = workspaces.get_workspace(session, actor.workspace_id)
        assert workspace is not None
        if team:
            return cleanup.team_room(session, workspace, person, env.now())
        return cleanup.room(session, workspace, person, env.now())


def snoozes(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DealSnooze)) or 0


def test_the_room_names_every_reason(env: Env, jo: Actor, stale: dict[str, int]):
    room = room_of(env, jo)
    assert isinstance(room, CleanRoom)
    assert [(d.name, d.reasons) for d in room.deals] == [
        ("Gamma", ("close date passed", "no update for 15 days")),
        ("Acme", ("no update for 15 days",)),
        ("Beta", ("no update for 15 days", "no amount", "no next step")),
    ]


def test_a_snoozed_deal_is_not_nudged_until_its_date(
    env: Env, jo: Actor, stale: dict[str, int], clock: FakeClock
):
    form = cleanup.snooze_form(env, jo, stale["Beta"])
    assert isinstance(form, cleanup.SnoozeForm) and "no amount" in form.reasons
    done = cleanup.snooze(
        env, jo, stale["Beta"], "2026-12-20", "champion on leave until 12/20", "view:V1"
    )
    assert isinstance(done, Notice) and "until 2026-12-20" in done.text
    assert isinstance(
        cleanup.snooze(env, jo, stale["Beta"], "2026-12-20", "again", "view:V1"), Duplicate
    )
    room = room_of(env, jo)
    assert isinstance(room, CleanRoom)
    assert [d.name for d in room.deals] == ["Gamma", "Acme"]
    assert [(s.name, s.reason) for s in room.snoozed] == [("Beta", "champion on leave until 12/20")]
    clock.current += timedelta(days=12)  # 2026-12-20: the snooze has ended
    room = room_of(env, jo)
    assert isinstance(room, CleanRoom) and "Beta" in [d.name for d in room.deals]
    assert snoozes(env) == 1


@pytest.mark.parametrize(
    ("until", "reason", "field", "says"),
    [
        ("", "on leave", "until", "Until when?"),
        ("2026-12-01", "on leave", "until", "after today"),
        ("2028-01-01", "on leave", "until", "within a year"),
        ("someday", "on leave", "until", "someday"),
        ("2026-12-20", "   ", "reason", "Say why"),
        ("2026-12-20", "x" * 301, "reason", "under 300"),
    ],
)
def test_a_bad_snooze_says_which_field_and_writes_nothing(
    env: Env, jo: Actor, stale: dict[str, int], until: str, reason: str, field: str, says: str
):
    result = cleanup.snooze(env, jo, stale["Acme"], until, reason, f"view:{until}{len(reason)}")
    assert isinstance(result, FormErrors) and says in result.errors[field], result
    assert snoozes(env) == 0


def test_snoozing_by_command_and_who_may(env: Env, maya: Actor, jo: Actor, stale):
    stranger = Actor("T0TEST001", "U0BOB0001", "bob", "slash_command", "testteam")
    refused = deal.run(env, stranger, "snooze Acme until=12/31 reason=waiting on legal")
    assert isinstance(refused, Refused)
    problem = deal.run(env, jo, "snooze Acme until=12/31")
    assert isinstance(problem, Problem) and "Say why" in problem.message
    done = deal.run(env, jo, 'snooze Acme until=12/31 reason="waiting on legal"')
    assert (
        isinstance(done, Notice) and "Snoozed Acme until 2026-12-31: waiting on legal" in done.text
    )
    card = deal.run(env, maya, "show Acme")
    assert card.snoozed is not None and card.snoozed[1] == "waiting on legal"  # type: ignore[union-attr]
    assert snoozes(env) == 1


def test_a_manager_sees_the_teams_totals(env: Env, jo: Actor, sam: Actor, stale):
    cleanup.snooze(env, jo, stale["Acme"], "2026-12-31", "legal", "k")
    team = room_of(env, sam, team=True)
    assert isinstance(team, TeamRoom)
    assert [(r.name, r.stale, r.reasons, r.snoozed) for r in team.rows] == [
        ("jo", 2, {"past close": 1, "no update": 2, "missing fields": 1}, 1)
    ]
