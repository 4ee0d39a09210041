"""History imports that never lose data (issue 14), in a Los Angeles workspace: dates from
timestamps are local dates, a deal exists from its created moment, a blank amount is no
amount, the export's current values start at LastModifiedDate, history files add to what
is known, and changes made in Slack stay where they happened. Each expected cell is worked
out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from commands import apm, imports
from commands.apm import Apm
from commands.context import Actor, Env
from commands.councils import command as council
from commands.deals import command as deal
from commands.deals.results import DealSaved
from tests.support.clock import FakeClock

D = Decimal
ADMIN = Actor("T0TEST001", "U0ADMIN01", "admin", "slash_command")
DEALS = (
    "Id,Name,StageName,Amount,CloseDate,CreatedDate,Product,LastModifiedDate\n"
    # Created 2025-01-01T02:35:07Z: 2024-12-31 18:35:07 in Los Angeles.
    "006A,Acme,Negotiation,90000,2025-03-20,2025-01-01T02:35:07.000Z,Alpha,"
    "2025-02-20T18:00:00.000Z\n"
)
HISTORY_HEAD = "Id,OpportunityId,CreatedDate,StageName,Amount,CloseDate\n"
H1 = "017A1,006A,2025-01-01T02:35:07.000Z,Prospecting,,2025-03-31\n"  # no amount yet
H2 = "017A2,006A,2025-01-20T17:00:00.000Z,Qualification,50000,2025-03-31\n"
H3 = "017A3,006A,2025-02-10T17:00:00.000Z,Negotiation,80000,\n"  # a blank close keeps it


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def at(clock: FakeClock, when: str) -> None:
    clock.current = datetime.fromisoformat(when).replace(tzinfo=UTC)


def open_amount(env: Env, as_of: str, period: str = "2025-Q1") -> tuple[Decimal, Decimal]:
    """The total's (open pipeline, pipeline generation) as of `as_of`."""
    result = apm.build_apm(env, ADMIN, "product", period, as_of)
    assert isinstance(result, Apm), result
    value, generated = result.total.open.value, result.total.pipegen.value
    assert isinstance(value, Decimal) and isinstance(generated, Decimal)
    return value, generated


@pytest.fixture
def la(env: Env, clock: FakeClock, tmp_path: Path) -> Env:
    at(clock, "2025-03-01T20:00")
    council.run(env, ADMIN, "settings tz=America/Los_Angeles")
    report = imports.import_deals(
        env, ADMIN, write(tmp_path / "deals.csv", DEALS), stage_map={"Negotiation": "Decision"}
    )
    assert report.created == 1 and not report.bad
    return env


def history(env: Env, tmp_path: Path, *rows: str) -> imports.ImportReport:
    path = write(tmp_path / "history.csv", HISTORY_HEAD + "".join(rows))
    return imports.import_history(env, ADMIN, path, stage_map={"Negotiation": "Decision"})


def test_a_deal_exists_from_its_created_moment_on_its_local_date(la: Env):
    # Created 18:35:07 on 2024-12-31 in Los Angeles: a 2024-Q4 deal, not 2025-Q1's.
    assert open_amount(la, "2024-12-31T18:35:06", "2025-Q1")[0] == 0
    assert open_amount(la, "2024-12-31T18:35:07", "2025-Q1")[0] == D(90000)
    q4 = apm.build_apm(la, ADMIN, "product", "2024-Q4", "2024-12-31")
    q1 = apm.build_apm(la, ADMIN, "product", "2025-Q1", "2025-01-31")
    assert isinstance(q4, Apm) and isinstance(q1, Apm)
    assert (q4.total.pipegen.value, q1.total.pipegen.value) == (D(90000), D(0))


def test_a_partial_history_then_the_full_one_then_the_same_again(la: Env, tmp_path: Path):
    partial = history(la, tmp_path, H2)
    assert (partial.changed, partial.unchanged) == (1, 0)
    # From creation the deal is as its first known row says (H2's 50k); 90k from the
    # export's LastModifiedDate, 2025-02-20 10:00 in Los Angeles.
    assert open_amount(la, "2025-01-05")[0] == D(50000)
    assert open_amount(la, "2025-02-21")[0] == D(90000)

    full = history(la, tmp_path, H1, H2, H3)
    assert (full.changed, full.unchanged) == (2, 1)  # H2 was known: nothing lost, no copy
    assert open_amount(la, "2025-01-05")[0] == D(0)  # H1: no amount yet (not H2's, not 90k)
    assert open_amount(la, "2025-01-25")[0] == D(50000)  # H2
    assert open_amount(la, "2025-02-15")[0] == D(80000)  # H3, close date kept from H2
    assert open_amount(la, "2025-02-21")[0] == D(90000)  # the export's current values

    again = history(la, tmp_path, H1, H2, H3)
    assert (again.changed, again.unchanged) == (0, 3)


def test_current_values_never_start_before_the_history_they_follow(la: Env, tmp_path: Path):
    late = "017A4,006A,2025-02-25T17:00:00.000Z,Negotiation,70000,2025-03-31\n"
    history(la, tmp_path, H1, H2, H3, late)
    # LastModifiedDate (02-20) is before the last row (02-25): the export's 90k begins with
    # that row, not before it, and wins over it.
    assert open_amount(la, "2025-02-21")[0] == D(80000)
    assert open_amount(la, "2025-02-26")[0] == D(90000)


def test_changes_made_in_slack_are_kept_and_ordered_by_time(
    la: Env, tmp_path: Path, clock: FakeClock
):
    history(la, tmp_path, H2)
    council.run(la, ADMIN, "role @admin admin")
    at(clock, "2025-03-05T18:00")  # after the import, in Slack: 120k
    changed = deal.run(la, ADMIN, "Acme amount=120k")
    assert isinstance(changed, DealSaved), changed
    # A later history file brings rows from before that change: they go before it.
    history(la, tmp_path, H1, H2, H3)
    assert open_amount(la, "2025-02-15")[0] == D(80000)
    assert open_amount(la, "2025-03-05")[0] == D(120000)  # 10:00 in Los Angeles
    assert open_amount(la, "2025-03-04")[0] == D(90000)
