"""Issue 14's definitions, each with its deal, its moment and the cell expected (SPEC
section 3), in a Los Angeles workspace: as-of days end at the last microsecond of the day,
a moment counts what was made exactly then, one target per cell, and a deal won or lost
closes today."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.render import Message, render
from commands import apm
from commands.apm import Apm
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealSaved
from tests.support.clock import FakeClock

D = Decimal
LA = ZoneInfo("America/Los_Angeles")


def at(clock: FakeClock, when: str) -> None:
    clock.current = datetime.fromisoformat(when).replace(tzinfo=UTC)


def saved(env: Env, actor: Actor, text: str) -> DealSaved:
    result = deal.run(env, actor, text)
    assert isinstance(result, DealSaved), result
    return result


def matrix(env: Env, actor: Actor, as_of: str, dimension: str = "product") -> Apm:
    result = apm.build_apm(env, actor, dimension, "2026-Q4", as_of)
    assert isinstance(result, Apm), result
    return result


@pytest.fixture
def la(env: Env, maya: Actor, clock: FakeClock) -> Env:
    at(clock, "2026-10-01T17:00")
    council.run(env, maya, "settings tz=America/Los_Angeles")
    return env


def test_an_as_of_date_ends_before_the_next_local_midnight(la: Env, maya: Actor, clock):
    # Created at midnight in Los Angeles (08:00 UTC) on the 16th, grown at the next midnight.
    at(clock, "2026-11-16T08:00")
    saved(la, maya, "new X product=Alpha amount=10k close=2026-12-10")
    at(clock, "2026-11-17T08:00")
    saved(la, maya, "X amount=25k")

    day = matrix(la, maya, "2026-11-15")
    assert day.as_of == datetime(2026, 11, 15, 23, 59, 59, 999999, tzinfo=LA)
    assert (day.total.open.value, day.total.pipegen.value) == (D(0), D(0))

    # The 16th: created, at 10k; the change stamped 00:00:00 of the 17th is not in it.
    sixteenth = matrix(la, maya, "2026-11-16")
    assert (sixteenth.total.open.value, sixteenth.total.pipegen.value) == (D(10000), D(10000))

    # A moment counts what was made exactly then: open at once; generated once its
    # created day has begun before t*, which at 00:00:00 it has not.
    moment = matrix(la, maya, "2026-11-16T00:00")
    assert moment.as_of == datetime(2026, 11, 16, tzinfo=LA)
    assert (moment.total.open.value, moment.total.pipegen.value) == (D(10000), D(0))
    grown = matrix(la, maya, "2026-11-17T00:00")
    assert grown.total.open.value == D(25000)


def test_a_whole_as_of_day_is_gone_from_the_quarter(la: Env, maya: Actor):
    # 2026-11-15 ends 46 of Q4's 92 days: exactly half.
    assert matrix(la, maya, "2026-11-15").elapsed == 0.5
    assert matrix(la, maya, "2026-09-30").elapsed == 0.0
    assert matrix(la, maya, "2026-12-31").elapsed == 1.0


def test_one_target_per_cell_and_a_footnote_for_the_total(la: Env, maya: Actor, clock):
    saved(la, maya, "new A product=Alpha region=EMEA amount=100k close=2026-12-01")
    saved(la, maya, "new B product=Beta region=AMER amount=50k close=2026-12-01")
    for line in (
        "target 2026-Q4 product Alpha closed 200k",
        "target 2026-Q4 product Beta closed 100k",
        "target 2026-Q4 region EMEA closed 250k",
    ):
        council.run(la, maya, line)
    by_product = matrix(la, maya, "2026-11-15")
    by_region = matrix(la, maya, "2026-11-15", "region")
    # No total target of its own: none, in every dimension alike (not 300k, nor 250k).
    for table in (by_product, by_region):
        assert (table.total.closed.target, table.total.closed.color) == (None, None)
        assert table.total.coverage.value == "n/a"
    # Every product has one: the footnote offers their sum; not every region does.
    assert by_product.unset_totals == {"closed": D(300000)}
    assert by_region.unset_totals == {}
    shown = render(by_product)
    assert isinstance(shown, Message)
    text = " ".join(str(block) for block in shown.blocks)
    assert "product targets add up to $300,000" in text
    assert "/council target 2026-Q4 total closed 300000.00" in text

    council.run(la, maya, "target 2026-Q4 total closed 400k")
    for table in (matrix(la, maya, "2026-11-15"), matrix(la, maya, "2026-11-15", "region")):
        assert table.total.closed.target == D(400000) and table.unset_totals == {}


def test_winning_a_deal_closes_it_today(la: Env, maya: Actor, clock):
    at(clock, "2026-11-20T07:30")  # still the 19th in Los Angeles
    saved(la, maya, "new Ahead product=Alpha amount=40k close=2026-12-20")
    won = saved(la, maya, "Ahead stage=won")
    assert won.deal.close_date.isoformat() == "2026-11-19"
    assert any("close date is now 2026-11-19 (it was 2026-12-20)" in n for n in won.notes)
    # It counts as closed at once, and no longer as open.
    now = matrix(la, maya, "2026-11-19")
    assert (now.total.closed.value, now.total.open.value) == (D(40000), D(0))

    # A close date typed with it is kept; a past one is not moved.
    saved(la, maya, "new Kept product=Alpha amount=1k close=2026-12-20")
    assert saved(la, maya, "Kept stage=lost close=2026-12-21").deal.close_date.day == 21
    saved(la, maya, "new Late product=Alpha amount=1k close=2026-11-02")
    late = saved(la, maya, "Late stage=won")
    assert late.deal.close_date.isoformat() == "2026-11-02" and not late.notes


@pytest.fixture
def evidence(la: Env, maya: Actor, clock: FakeClock) -> Env:
    """Deals decided in the four quarters before 2026-Q4 (2025-10-01 to 2026-09-30), and
    some that must not count."""
    at(clock, "2025-09-01T17:00")
    saved(la, maya, "new Early product=Alpha amount=900k close=2025-09-20 stage=won")  # before
    for line in (
        "new W1 product=Alpha amount=60k close=2025-11-10 stage=won",
        "new W2 product=Alpha amount=40k close=2026-09-30 stage=won",  # last day in
        "new L1 product=Alpha amount=150k close=2026-03-03 stage=lost",
        "new L2 product=Beta amount=50k close=2026-05-05 stage=lost",
        "new Later product=Alpha amount=70k close=2026-12-01",  # lost after the as-of
        "new Now product=Alpha amount=260k close=2026-12-15",
    ):
        at(clock, "2025-10-02T17:00")
        saved(la, maya, line)
    at(clock, "2026-10-02T17:00")
    saved(la, maya, "new InQ product=Alpha amount=80k close=2026-10-02 stage=won")  # in P
    at(clock, "2026-11-20T17:00")
    saved(la, maya, "Later stage=lost")
    council.run(la, maya, "target 2026-Q4 product Alpha closed 100k")
    return la


def test_coverage_needed_comes_from_the_trailing_win_rate(evidence: Env, maya: Actor):
    from bot.render.apm import apm_json

    result = matrix(evidence, maya, "2026-11-15")
    alpha = next(row for row in result.rows if row.value == "Alpha")
    beta = next(row for row in result.rows if row.value == "Beta")
    # Alpha: won 60k + 40k, lost 150k: win rate 100/250 = 0.4, needs 2.50x.
    # Beta: nothing won: no win rate, nothing needed. Total: won 100k, lost 200k: 3.00x.
    assert (alpha.coverage.needed, beta.coverage.needed) == (D("2.50"), None)
    assert result.total.coverage.needed == D("3.00")
    # Alpha's coverage: open 260k + 70k (still open at t) over 100k - 80k = 16.50x.
    assert alpha.coverage.value == D("16.50")
    shown = apm_json(result)
    by_value = {row["value"]: row for row in shown["rows"]}
    assert by_value["Alpha"]["coverage"]["needed"] == 2.5
    assert by_value["Beta"]["coverage"]["needed"] is None
    assert shown["total"]["coverage"]["needed"] == 3.0


def test_a_council_may_colour_coverage_by_the_evidence(evidence: Env, maya: Actor, clock):
    from commands.councils.meeting import thresholds_of
    from commands.digest import build_digest
    from store import councils as store_councils

    council.run(evidence, maya, "target 2026-Q4 product Alpha closed 400k")  # remaining 320k
    council.run(evidence, maya, "create #pipeline dimensions=product tz=America/Los_Angeles")
    at(clock, "2026-11-16T08:00")

    def alpha_coverage() -> tuple[object, object]:
        with evidence.db.transaction() as session:
            found = store_councils.councils(session, maya.workspace_id)[0]
            digest = build_digest(session, found, clock.current)
            assert thresholds_of(found).coverage_by_evidence == (
                "evidence" in str(found.thresholds)
            )
        cell = next(r for r in digest.dimensions[0].apm.rows if r.value == "Alpha").coverage
        return cell.value, cell.color

    # 330k open over 320k remaining: 1.03x. Flat: below 2.0x, red. Evidence: needs 2.50x,
    # yellow from 2.50 x 2/3 = 1.67x: still red. With 480k more it is 2.53x: green by the
    # evidence, yellow by the flat thresholds.
    assert alpha_coverage() == (D("1.03"), "red")
    saved(evidence, maya, "new More product=Alpha amount=480k close=2026-12-20")
    assert alpha_coverage() == (D("2.53"), "yellow")
    council.run(evidence, maya, "edit pipeline coverage=evidence")
    assert alpha_coverage() == (D("2.53"), "green")
    refused = council.run(evidence, maya, "edit pipeline coverage=gut")
    assert "coverage is `flat` or `evidence`" in str(refused)
