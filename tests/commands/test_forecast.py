"""Forecast calls: a rep's own number, a manager's call that replaces a cell's forecast
while the calculated value and every earlier call stay visible, and refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.render.apm import apm_json
from commands import forecast
from commands.apm import Apm, build_apm
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.forecast import ForecastBoard
from commands.results import Problem, Refused
from store.models import ForecastCall
from tests.support.clock import FakeClock


@pytest.fixture
def book(env: Env, maya: Actor, jo: Actor, sam: Actor) -> None:
    """Jo (a rep) owns a Commit deal and a Best Case deal in EMEA; Maya (admin) a won deal
    in AMER; Sam is a manager. EMEA's closed target is 200k."""
    deal.run(env, maya, "new Gamma stage=Closed Won amount=30k close=2026-11-02 region=AMER")
    deal.run(env, jo, "new Acme stage=Decision amount=100k close=2026-12-10 region=EMEA")
    deal.run(env, jo, "new Beta stage=Consideration amount=50k close=2026-12-12 region=EMEA")
    council.run(env, sam, "people")
    council.run(env, maya, "role <@U0SAM0001|sam> manager")
    council.run(env, maya, "manager <@U0JO00001|jo> <@U0SAM0001|sam>")
    council.run(env, maya, "target 2026-Q4 region EMEA closed 200k")


def calls(env: Env) -> int:
    with env.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ForecastCall)) or 0


def emea(env: Env, actor: Actor, as_of: str | None = None):
    apm = build_apm(env, actor, "region", as_of=as_of)
    assert isinstance(apm, Apm)
    return next(row for row in apm.rows if row.value == "EMEA"), apm


def test_a_rep_calls_their_own_number_beside_the_calculated_one(env: Env, jo: Actor, book: None):
    board = forecast.run(env, jo, "")
    assert isinstance(board, ForecastBoard)
    mine = board.lines[0]
    assert (mine.label, mine.calculated, mine.call) == ("Your deals", Decimal("100000.00"), None)
    called = forecast.run(env, jo, "120k")
    assert isinstance(called, ForecastBoard)
    assert "Called $120,000 for your deals in 2026-Q4 (calculated $100,000)" in called.saved
    line = called.lines[0]
    assert line.call is not None and line.call.amount == Decimal("120000.00")
    assert (line.call.by, line.overrides) == ("jo", False)
    # A rep's own call never changes the APM.
    row, _ = emea(env, jo)
    assert row.forecast.value == Decimal("100000.00") and row.forecast.call is None


def test_a_managers_call_replaces_the_cells_forecast_and_keeps_the_calculated_one(
    env: Env, maya: Actor, sam: Actor, book: None, clock: FakeClock
):
    before, _ = emea(env, sam)
    assert (before.forecast.value, before.forecast.color) == (Decimal("100000.00"), "red")
    clock.advance(hours=1)
    called = forecast.run(env, sam, "region emea 190k")
    assert isinstance(called, ForecastBoard), called
    assert "replaces the calculated $100,000" in called.saved
    row, apm = emea(env, sam)
    cell = row.forecast
    # 190k of a 200k target is 95%: yellow, where the calculated 50% was red.
    assert (cell.value, cell.calculated, cell.color) == (
        Decimal("190000.00"),
        Decimal("100000.00"),
        "yellow",
    )
    assert cell.call is not None and cell.call.by == "sam"
    shown = next(r for r in apm_json(apm)["rows"] if r["value"] == "EMEA")["forecast"]
    assert (shown["value"], shown["calculated"], shown["call"]["by"]) == (
        "190000.00",
        "100000.00",
        "sam",
    )
    # The APM as of a moment before the call shows the calculated forecast.
    earlier, _ = emea(env, sam, as_of=(clock.current - timedelta(minutes=30)).isoformat())
    assert earlier.forecast.value == Decimal("100000.00") and earlier.forecast.call is None

    clock.advance(hours=1)
    forecast.run(env, maya, "region EMEA 210k")
    detail = forecast.run(env, sam, "region EMEA")
    assert isinstance(detail, ForecastBoard)
    line = detail.lines[0]
    assert line.call is not None and (line.call.by, line.call.amount) == (
        "maya",
        Decimal("210000.00"),
    )
    assert [(e.by, e.amount) for e in line.history] == [
        ("maya", Decimal("210000.00")),
        ("sam", Decimal("190000.00")),
    ]
    row, _ = emea(env, sam)
    assert (row.forecast.value, row.forecast.color) == (Decimal("210000.00"), "green")

    withdrawn = forecast.run(env, sam, "region EMEA clear")
    assert isinstance(withdrawn, ForecastBoard) and "calculated $100,000 again" in withdrawn.saved
    row, _ = emea(env, sam)
    assert row.forecast.value == Decimal("100000.00") and row.forecast.call is None
    assert calls(env) == 3  # nothing is ever overwritten


def test_a_total_call_replaces_the_total_rows_forecast(env: Env, maya: Actor, book: None):
    forecast.run(env, maya, "total next 1M")  # another period: no effect on this one
    forecast.run(env, maya, "total 400k")
    _, apm = emea(env, maya)
    assert apm.total.forecast.value == Decimal("400000.00")
    assert apm.total.forecast.calculated == Decimal("130000.00")


def test_a_rep_cannot_call_a_cell_and_nothing_is_recorded(env: Env, jo: Actor, book: None):
    refused = forecast.run(env, jo, "region EMEA 300k")
    assert isinstance(refused, Refused)
    assert "sam" in refused.who_can and "maya" in refused.who_can
    assert calls(env) == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("region Atlantis 100k", "`Atlantis` is not a known region. Known: AMER, EMEA"),
        ("galaxy far 100k", "a call names `total` or a dimension"),
        ("-100k", "amounts cannot be negative"),
        ("region EMEA clear", "no call in force"),
        ("region EMEA APAC 5k", "Give one value"),
        ('"unclosed 5k', "could not read"),
    ],
)
def test_bad_calls_say_what_is_wrong_and_change_nothing(
    env: Env, maya: Actor, book: None, text: str, says: str
):
    result = forecast.run(env, maya, text)
    assert isinstance(result, Problem), result
    assert says in result.message
    assert calls(env) == 0


def test_a_manager_sees_their_teams_calls(env: Env, jo: Actor, sam: Actor, book: None):
    forecast.run(env, jo, "95k")
    board = forecast.run(env, sam, "")
    assert isinstance(board, ForecastBoard)
    assert [(line.label, line.calculated) for line in board.lines] == [
        ("Your team's deals", Decimal("100000.00")),
        ("jo", Decimal("100000.00")),
    ]
    assert board.lines[1].call is not None and board.lines[1].call.amount == Decimal("95000.00")
