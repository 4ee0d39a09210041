from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from commands.context import Actor, Env
from commands.councils import command as council
from commands.councils.command import TargetList
from commands.targets import import_targets
from tests.support.clock import FakeClock


def test_a_targets_file_reads_this_in_the_workspaces_time_zone(
    env: Env, maya: Actor, clock: FakeClock, tmp_path: Path
):
    council.run(env, maya, "settings tz=Pacific/Kiritimati")  # UTC+14
    clock.current = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # already 2027 there
    path = tmp_path / "targets.csv"
    path.write_text("period,dimension,value,metric,amount\nthis,total,,closed,1M\n")
    report = import_targets(env, maya, path)
    assert (report.saved, report.bad) == (1, [])
    listed = council.run(env, maya, "targets 2027-Q1")
    assert isinstance(listed, TargetList) and [t.amount for t in listed.targets] == ["$1,000,000"]


def test_an_mql_target_is_a_count_for_the_total_a_source_or_a_segment(env: Env, maya: Actor):
    said = council.run(env, maya, "target 2026-Q4 total mqls 600")
    assert "Target for 2026-Q4 total mqls: 600 MQLs." in str(said)
    said = council.run(env, maya, "target 2026-Q4 source Marketing mqls 400")
    assert "source Marketing mqls: 400 MQLs" in str(said)
    refused = council.run(env, maya, "target 2026-Q4 region EMEA mqls 10 new")
    assert "an mqls target is for the total, a source or a segment, not a region" in str(refused)
    refused = council.run(env, maya, "target 2026-Q4 total mqls 12.5")
    assert "an mqls target is a number of leads" in str(refused)
    listed = council.run(env, maya, "targets 2026-Q4")
    assert isinstance(listed, TargetList)
    assert sorted(t.amount for t in listed.targets) == ["400 MQLs", "600 MQLs"]
