"""The APM against figures computed by hand (comments show the arithmetic)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from commands import apm
from commands.apm import Apm, Coverage
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealSaved
from commands.results import Problem
from tests.support.clock import FakeClock

D = Decimal


def at(clock: FakeClock, when: str) -> None:
    clock.current = datetime.fromisoformat(when).replace(tzinfo=UTC)


def do(env: Env, actor: Actor, text: str) -> None:
    assert isinstance(deal.run(env, actor, text), DealSaved), text


@pytest.fixture
def quarter(env: Env, maya: Actor, clock: FakeClock) -> Env:
    """2025-Q4 and 2026-Q4 of one small team; see each line for what it tests."""
    at(clock, "2025-10-05T09:00")
    do(env, maya, "new P product=Alpha amount=40k close=2025-11-10 stage=won")
    at(clock, "2025-10-06T09:00")
    do(env, maya, "new Q product=Alpha amount=60k close=2025-12-15")
    at(clock, "2026-10-01T09:00")
    do(env, maya, "new A product=Alpha amount=100k close=2026-10-01 stage=won")  # first day
    do(env, maya, "new B product=Alpha amount=50k close=2026-12-31 stage=Decision")  # last day
    do(env, maya, "new C product=Beta amount=80k close=2027-01-15 stage=Consideration")
    at(clock, "2026-10-02T09:00")
    do(env, maya, "new G product=Alpha amount=10k close=2026-12-31")
    at(clock, "2026-10-20T09:00")
    do(env, maya, "C close=2026-12-20")  # pulled into the quarter
    do(env, maya, "new D amount=20k close=2026-11-01 stage=won")  # no product: (none)
    at(clock, "2026-11-10T09:00")
    do(env, maya, "new E product=Beta amount=30k close=2026-11-05 stage=won")
    at(clock, "2026-11-12T09:00")
    do(env, maya, "E stage=Decision")  # won, then reopened
    at(clock, "2026-11-20T09:00")
    do(env, maya, "new F product=Alpha amount=999k close=2026-12-01")  # after the as-of
    at(clock, "2026-12-01T09:00")
    do(env, maya, "A amount=120k")  # changed after it closed
    at(clock, "2026-12-31T10:00")
    do(env, maya, "G stage=won")
    for line in (
        "target 2026-Q4 product Alpha closed 200k",
        "target 2026-Q4 product Alpha pipegen 300k",
        "target 2026-Q4 total closed 500k",
        "target 2025-Q4 product Alpha closed 100k",
    ):
        assert "Target" in str(council.run(env, maya, line)), line
    at(clock, "2027-01-10T12:00")
    return env


def matrix(env: Env, actor: Actor, as_of: str, period: str = "2026-Q4") -> Apm:
    result = apm.build_apm(env, actor, "product", period, as_of)
    assert isinstance(result, Apm), result
    return result


def row(result: Apm, value: str):
    return next(r for r in result.rows if r.value == value)


def test_mid_quarter_values_yoy_and_colours(quarter: Env, maya: Actor):
    result = matrix(quarter, maya, "2026-11-15")  # t = 2026-11-16 00:00, e = 46/92 = 0.5
    assert result.elapsed == 0.5
    assert [r.value for r in result.rows] == ["(none)", "Alpha", "Beta"]
    alpha = row(result, "Alpha")
    # closed A 100k (its later raise to 120k is not yet known); prior P 40k
    assert (alpha.closed.value, alpha.closed.prior, alpha.closed.yoy) == (
        D(100000),
        D(40000),
        D("1.5"),
    )
    assert (alpha.closed.target, alpha.closed.color) == (D(200000), "green")  # 0.5 >= e
    # open B 50k (closing on the last day; G 10k too); prior Q 60k: (60-60)/60 = 0
    assert (alpha.open.value, alpha.open.prior, alpha.open.yoy) == (D(60000), D(60000), D(0))
    assert alpha.open.color == "green"
    # generated A 100k + B 50k + G 10k = 160k of 300k = 0.53 >= 0.5; prior P + Q = 100k
    assert (alpha.pipegen.value, alpha.pipegen.yoy, alpha.pipegen.color) == (
        D(160000),
        D("0.6"),
        "green",
    )
    # forecast = closed 100k + commit B 50k = 150k; 150/200 = 0.75 < 0.9: red
    assert (alpha.forecast.value, alpha.forecast.prior, alpha.forecast.color) == (
        D(150000),
        D(40000),
        "red",
    )
    # coverage = open 60k / (200k - 100k) = 0.60; prior 60k / (100k - 40k) = 1.00
    assert (alpha.coverage.value, alpha.coverage.prior, alpha.coverage.yoy) == (
        D("0.60"),
        D("1.00"),
        D("-0.40"),
    )
    assert (alpha.coverage.target, alpha.coverage.color) == (D("3.0"), "red")

    beta = row(result, "Beta")
    # E was reopened on 11-12: open, and in Commit (Decision). C was pulled in on 10-20.
    assert (beta.closed.value, beta.open.value, beta.pipegen.value) == (D(0), D(110000), D(110000))
    assert beta.forecast.value == D(30000)
    assert (beta.closed.color, beta.open.color, beta.coverage.value) == (None, None, "n/a")
    assert beta.open.yoy is None  # no prior year

    none = row(result, "(none)")
    assert (none.closed.value, none.pipegen.value, none.forecast.value) == (
        D(20000),
        D(20000),
        D(20000),
    )

    total = result.total
    # closed 100k + 20k; open 60k + 110k; generated 160k + 110k + 20k; commit 50k + 30k
    assert (total.closed.value, total.open.value, total.pipegen.value) == (
        D(120000),
        D(170000),
        D(290000),
    )
    assert total.forecast.value == D(200000)
    # explicit total target 500k: 0.24 < 0.4 red; the total has no pipegen target of its
    # own (only Alpha has one), so none and no colour
    assert (total.closed.target, total.closed.color) == (D(500000), "red")
    assert (total.pipegen.target, total.pipegen.color) == (None, None)
    assert total.forecast.color == "red"  # 200/500
    # coverage 170k / 380k = 0.45; a year ago the total had no closed target: no prior
    assert (total.coverage.value, total.coverage.prior, total.coverage.yoy) == (
        D("0.45"),
        "n/a",
        None,
    )


def test_a_won_deal_reopened_counts_as_won_before_it_reopened(quarter: Env, maya: Actor):
    result = matrix(quarter, maya, "2026-11-11")  # t = 11-12 00:00, before E reopened
    beta = row(result, "Beta")
    assert (beta.closed.value, beta.open.value, beta.forecast.value) == (
        D(30000),
        D(80000),
        D(30000),
    )


def test_the_last_day_of_the_quarter_counts(quarter: Env, maya: Actor):
    before = row(matrix(quarter, maya, "2026-12-30"), "Alpha")
    on = row(matrix(quarter, maya, "2026-12-31"), "Alpha")
    # A is 120k by now; G is won on the last day
    assert (before.closed.value, before.open.value) == (D(120000), D(1059000))
    assert (on.closed.value, on.open.value) == (D(130000), D(1049000))


def test_before_the_quarter_nothing_is_reached(quarter: Env, maya: Actor):
    result = matrix(quarter, maya, "2026-09-15")
    assert result.elapsed == 0.0
    assert result.total.closed.value == 0 and result.total.pipegen.value == 0


def test_a_met_target_shows_met_and_green(quarter: Env, maya: Actor):
    assert "Target" in str(council.run(quarter, maya, "target 2026-Q4 product Beta closed 20k"))
    beta = row(matrix(quarter, maya, "2026-11-11"), "Beta")  # closed 30k >= 20k
    assert (beta.coverage.value, beta.coverage.color) == ("met", "green")


def test_fiscal_years_starting_in_february(env: Env, maya: Actor, clock: FakeClock):
    council.run(env, maya, "settings fiscal_start=2")
    at(clock, "2026-11-01T09:00")
    do(env, maya, "new Nov product=Alpha amount=10k close=2026-11-03 stage=won")
    at(clock, "2027-01-31T09:00")
    do(env, maya, "new Jan product=Alpha amount=5k close=2027-01-31 stage=won")
    at(clock, "2027-02-01T09:00")
    do(env, maya, "new Feb product=Alpha amount=7k close=2027-02-01 stage=won")
    q4 = matrix(env, maya, "2027-01-31", period="FY2027-Q4")  # Nov 2026 - Jan 2027
    assert (q4.period.start.isoformat(), q4.period.end.isoformat()) == ("2026-11-01", "2027-02-01")
    assert q4.total.closed.value == D(15000) and q4.elapsed == 1.0
    q1 = matrix(env, maya, "2027-02-01", period="this")
    assert q1.period.label == "FY2028-Q1" and q1.total.closed.value == D(7000)
    assert matrix(env, maya, "2027-01-31", period="next").period.label == "FY2028-Q1"
    wrong = apm.build_apm(env, maya, "product", "2026-Q4")
    assert isinstance(wrong, Problem) and "FY2027-Q1" in wrong.message


def test_coverage_has_its_parts(quarter: Env, maya: Actor):
    result = apm.build_coverage(quarter, maya, "product", "alpha", "2026-Q4", "2026-11-15")
    assert isinstance(result, Coverage)
    assert result.scope == "product Alpha"
    assert (result.open, result.closed, result.target, result.remaining) == (
        D(60000),
        D(100000),
        D(200000),
        D(100000),
    )
    total = apm.build_coverage(quarter, maya, period="2026-Q4", as_of="2026-11-15")
    assert isinstance(total, Coverage) and total.remaining == D(380000)
    unknown = apm.build_coverage(quarter, maya, "product", "Gamma")
    assert isinstance(unknown, Problem) and "Known: Alpha, Beta" in unknown.message


def test_slash_command_arguments(quarter: Env, maya: Actor):
    assert isinstance(apm.run_apm(quarter, maya, "region last"), Apm)
    assert isinstance(apm.run_apm(quarter, maya, "product 2026-Q4"), Apm)
    bad = apm.run_apm(quarter, maya, "product someday")
    assert isinstance(bad, Problem) and "neither a known product nor a period" in bad.message
    assert isinstance(apm.run_coverage(quarter, maya, "product=Alpha this"), Coverage)
    assert isinstance(apm.run_coverage(quarter, maya, "region"), Problem)


def test_a_deal_pushed_out_of_the_quarter_leaves_its_open_pipeline(
    env: Env, maya: Actor, clock: FakeClock
):
    at(clock, "2026-10-05T09:00")
    do(env, maya, "new H product=Beta amount=70k close=2026-12-10 stage=Decision")
    at(clock, "2026-11-01T09:00")
    do(env, maya, "H close=2027-02-01")  # pushed into next quarter
    at(clock, "2026-12-01T09:00")
    before = row(matrix(env, maya, "2026-10-31"), "Beta")
    after = row(matrix(env, maya, "2026-11-01"), "Beta")
    assert (before.open.value, before.forecast.value) == (D(70000), D(70000))
    assert (after.open.value, after.forecast.value) == (D(0), D(0))
    assert after.pipegen.value == D(70000)  # it was still generated this quarter
    next_quarter = matrix(env, maya, "2026-11-01", period="2027-Q1")
    assert row(next_quarter, "Beta").open.value == D(70000)
