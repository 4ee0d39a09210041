"""Forecast accuracy (SPEC section 9), every figure worked out by hand from the history in
tests/support/accuracy_history.py: accuracy = final closed / the week's snapshot, bias =
mean of (snapshot - final) / final over the ended quarters at the same week."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from commands import forecast
from commands.accuracy import AccuracyReport, accuracy_color
from commands.context import Actor, Env
from commands.results import Problem, Refused
from store.models import ForecastSnapshot, Person
from tests.support import accuracy_history
from tests.support.clock import FakeClock

D = Decimal


@pytest.fixture
def history(env: Env, clock: FakeClock, maya: Actor, jo: Actor, sam: Actor) -> int:
    return accuracy_history.build(env, clock, maya, jo, sam)


def report(env: Env, actor: Actor, text: str) -> AccuracyReport:
    result = forecast.run(env, actor, f"accuracy {text}".strip())
    assert isinstance(result, AccuracyReport), result
    return result


def test_a_reps_accuracy_week_by_week_and_bias(env: Env, jo: Actor, history: int):
    mine = report(env, jo, "").cells[0]
    assert [p.period for p in mine.periods] == ["2026-Q3", "2026-Q2"]
    q3, q2 = mine.periods
    assert (q3.final, q2.final) == (D("80000.00"), D("50000.00"))
    week1, week2 = q3.weeks
    # Week 1's call was 120k (the 200k made after the snapshot does not count): 80/120.
    assert (week1.week, week1.call, week1.call_accuracy) == (1, D("120000.00"), D("0.6667"))
    # The calculated forecast then was the Commit deal's 100k: 80/100.
    assert (week1.calculated, week1.calculated_accuracy) == (D("100000.00"), D("0.8000"))
    assert (week2.week, week2.call, week2.call_accuracy) == (2, D("90000.00"), D("0.8889"))
    assert q2.weeks[0].call_accuracy == D("0.8333")  # 50 / 60
    # Bias at week 1 over Q2 and Q3: mean((60-50)/50, (120-80)/80) = mean(0.2, 0.5).
    bias1 = mine.bias_at(1)
    assert bias1 is not None and (bias1.call, bias1.periods) == (D("0.3500"), 2)
    # Calculated: mean((50-50)/50, (100-80)/80) = mean(0, 0.25).
    assert bias1.calculated == D("0.1250")
    bias2 = mine.bias_at(2)  # only Q3 has a week 2: (90-80)/80
    assert bias2 is not None and (bias2.call, bias2.periods) == (D("0.1250"), 1)


def test_snapshots_are_locked_and_taken_once_a_week(env: Env, history: int):
    with env.db.transaction() as session:
        rows = session.execute(
            select(ForecastSnapshot.period, ForecastSnapshot.week, ForecastSnapshot.call)
            .join(Person, Person.id == ForecastSnapshot.value.cast(Person.id.type))
            .where(ForecastSnapshot.dimension == "owner", Person.display_name == "jo")
            .order_by(ForecastSnapshot.period, ForecastSnapshot.week)
        ).all()
    assert rows == [
        ("2026-Q2", 1, D("60000.00")),
        ("2026-Q3", 1, D("120000.00")),
        ("2026-Q3", 2, D("90000.00")),
    ]


def test_a_manager_sees_the_team_and_the_team_book(env: Env, sam: Actor, history: int):
    team = report(env, sam, "team")
    assert team.team and [c.label for c in team.cells] == ["sam (team)", "jo"]
    book = team.cells[0]
    q3 = book.periods[0]
    # Sam made no call; Sam's book is the team's: Jo's 80k won, 100k Commit in week 1.
    assert (q3.final, q3.weeks[0].call, q3.weeks[0].calculated_accuracy) == (
        D("80000.00"),
        None,
        D("0.8000"),
    )
    one = report(env, sam, "@jo").cells[0]
    assert one.periods[0].weeks[0].call_accuracy == D("0.6667")


def test_the_total_and_the_refusals(env: Env, jo: Actor, maya: Actor, history: int):
    total = report(env, maya, "total").cells[0]
    # Q3's total closed is Acme's 80k; week 1's calculated total was Acme's 100k Commit.
    assert (total.periods[0].final, total.periods[0].weeks[0].calculated_accuracy) == (
        D("80000.00"),
        D("0.8000"),
    )
    refused = forecast.run(env, jo, "accuracy team")
    assert isinstance(refused, Refused) and "Only managers and admins" in refused.message
    other = forecast.run(env, jo, "accuracy sam")
    assert isinstance(other, Refused) and "not sam's" in other.message
    unknown = forecast.run(env, jo, "accuracy nobody-here")
    assert isinstance(unknown, Problem) and "nobody called `nobody-here`" in unknown.message


def test_colours_follow_the_spec_bands():
    assert [accuracy_color(D(v)) for v in ("0.9", "1.1", "0.8999", "0.8", "1.2", "1.2001")] == [
        "green",
        "green",
        "yellow",
        "yellow",
        "yellow",
        "red",
    ]
    assert accuracy_color(None) is None
