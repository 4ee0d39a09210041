"""Following through on actions, with time controlled: reminders, snoozes, and whether the
council's cells got better."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.webapi.outlet import outlets
from commands.actions import assign as assigning
from commands.actions import command as actions
from commands.actions import reminders as reminding
from commands.actions.results import ActionAssigned, ActionChanged, CellHistory
from commands.context import Actor, Env, Place
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from commands.metrics import COLUMN_NAMES
from store.models import DigestCell
from tests.support.actions import assign_spiff
from tests.support.clock import FakeClock

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")
JO = "<@U0DEMO004|Jo Park>"


def at(clock: FakeClock, text: str) -> None:
    clock.current = datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def action(env: Env, clock: FakeClock) -> ActionAssigned:
    load_demo(env)
    council.run(env, ADMIN, "create #pipeline dimensions=product tz=Europe/Paris")
    result = assign_spiff(env, ADMIN, JO, owner_timezone="Europe/Paris")
    assert isinstance(result, ActionAssigned), result
    return result


def reminders(env: Env, clock: FakeClock, when: str) -> list[str]:
    at(clock, when)
    return [r.why for r in reminding.reminders_due(env, clock.current)]


def test_reminders_come_the_day_before_and_on_the_day_at_nine_local(
    env: Env, clock: FakeClock, action: ActionAssigned
):
    assert action.action.kind == "SPIFF" and action.action.due.isoformat() == "2026-11-27"
    assert reminders(env, clock, "2026-11-26T07:59") == []  # 08:59 in Paris
    assert reminders(env, clock, "2026-11-26T08:00") == ["tomorrow"]
    assert reminders(env, clock, "2026-11-26T16:00") == []  # once a day
    assert reminders(env, clock, "2026-11-27T08:30") == ["today"]


def test_overdue_repeats_every_working_day_until_done(
    env: Env, clock: FakeClock, action: ActionAssigned
):
    assert reminders(env, clock, "2026-11-28T09:00") == []  # Saturday
    assert reminders(env, clock, "2026-11-29T09:00") == []  # Sunday
    assert reminders(env, clock, "2026-11-30T09:00") == ["overdue"]
    assert reminders(env, clock, "2026-12-01T09:00") == ["overdue"]
    result = actions.run(env, Actor("local", "U0DEMO004", "Jo Park", "console"), "done 1")
    assert isinstance(result, ActionChanged) and result.what == "done"
    assert reminders(env, clock, "2026-12-02T09:00") == []


def test_a_snooze_with_a_reason_holds_reminders_until_its_date(
    env: Env, clock: FakeClock, action: ActionAssigned
):
    at(clock, "2026-11-25T10:00")
    result = actions.run(env, ADMIN, 'snooze 1 12/03 "champion on leave"')
    assert isinstance(result, ActionChanged)
    assert result.what == "snoozed until 2026-12-03: champion on leave"
    assert reminders(env, clock, "2026-11-26T09:00") == []
    assert reminders(env, clock, "2026-12-02T09:00") == []
    assert reminders(env, clock, "2026-12-03T09:00") == ["overdue"]


def test_only_the_owner_their_manager_or_an_admin_may_change_it(env: Env, action: ActionAssigned):
    lee = Actor("local", "U0DEMO005", "Lee Kim", "console")
    refused = actions.run(env, lee, "done 1")
    assert "Only its owner" in str(refused)
    sam = Actor("local", "U0DEMO002", "Sam Ortiz", "console")  # Jo's manager
    assert isinstance(actions.run(env, sam, 'comment 1 "on track"'), ActionChanged)
    moved = actions.run(env, sam, "reassign 1 @Lee Kim")
    assert isinstance(moved, ActionChanged) and moved.action.owner == "Lee Kim"
    history = actions.run(env, sam, "history 1")
    assert isinstance(history, CellHistory)
    assert [n.split(" ", 1)[1] for n in history.notes[1]] == [
        "Maya Chen: Jo Park: SPIFF for Platform",
        "Sam Ortiz: comment: on track",
        "Sam Ortiz: reassigned to Lee Kim",
    ]


def test_the_loop_closes_in_the_digest_and_in_the_cells_history(env: Env, clock: FakeClock, slack):
    from bot.slack.app import web_client
    from bot.slack.settings import Settings
    from schedules.digests import deliver

    client = web_client(Settings("xoxb-test", None, None, slack.api_url))
    load_demo(env)
    council.run(env, ADMIN, "create #pipeline dimensions=product tz=UTC owners=red")
    at(clock, "2026-10-05T10:00")
    assert deliver(env, outlets(lambda _w: client), 1).status == "posted"
    with env.db.transaction() as session:
        red = session.scalars(
            select(DigestCell).where(
                DigestCell.run_id == 1,
                DigestCell.color == "red",
                DigestCell.column.in_(["forecast", "closed", "coverage"]),
            )
        ).first()
        assert red is not None
        label, product, column = red.label or "R1", red.value, red.column
    cell = assigning.Cell(1, 1, label, "product", product, column, "2026-Q4")
    assigned = assigning.assign(
        env,
        ADMIN,
        cell,
        Place(),
        owner=JO,
        kind="Deal review",
        description="",
        due="next friday",
        key="k2",
    )
    assert isinstance(assigned, ActionAssigned) and assigned.action.color_at == "red"
    for week in ("2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"):
        at(clock, f"{week}T10:00")
        if week == "2026-10-26":
            deal.run(env, ADMIN, f"new Big win product={product} amount=400k close=today stage=won")
        assert deliver(env, outlets(lambda _w: client), 1).status == "posted"
    history = actions.run(env, ADMIN, "history 1")
    assert isinstance(history, CellHistory)
    colours = [colour for _, colour, _ in history.colours]
    assert len(colours) == 5 and colours[0] == "red" and colours[-2:] == ["green", "green"]
    # The last digest's thread ends with the council's actions and the loop line.
    posted = slack.calls_to("chat.postMessage")
    parent_ts = [c for c in posted if "thread_ts" in c.params][-1].params["thread_ts"]
    thread = [c for c in posted if c.params.get("thread_ts") == parent_ts]
    text = json.dumps([c.blocks() for c in thread], ensure_ascii=False)
    assert "Of 1 red cells with actions 4+ weeks ago, 1 are now green or yellow." in text
    assert f"{label} product {product} · {COLUMN_NAMES[column]} → Jo Park: Deal review" in text
