"""The pacing chart's series against the floor (one plain scan of the history) and
against the APM, measured in the same run: `python -m bench.pacing_bench --sizes 10000`.

The series is 14 + 14 as-of moments (every week end of this quarter and the same
quarter a year earlier), read in one pass over the versions; one as-of query per week end
would cost about 28 APMs."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.scale_bench import WORKSPACE, apm_all, floor, fresh, median_time, run_cli
from commands.fiscal import quarter_containing
from commands.pacing import build_pacing
from commands.periods import as_of_day
from store import workspaces
from store.db import Database


def pacing(db: Database, at: datetime) -> None:
    with db.transaction() as session:
        workspace = workspaces.get_workspace(session, WORKSPACE)
        assert workspace is not None
        zone = ZoneInfo(workspace.timezone)
        period = quarter_containing(as_of_day(at, zone), workspace.fiscal_year_start_month)
        build_pacing(session, workspace.id, zone, period, at, None, "$")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    # PostgreSQL only when asked: its databases are named as bench.scale_bench's, which
    # drops and recreates them.
    parser.add_argument("--stores", default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    at = datetime.now(UTC)
    print("| store | deals | floor (s) | APM, 4 dimensions (s) | pacing (s) | pacing × floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for store in args.stores.split(","):
            for size in map(int, args.sizes.split(",")):
                url = fresh(store, size, Path(folder))
                run_cli(["demo-data", "--deals", str(size), "--seed", "7"], url)
                db = Database(url)
                low = median_time(lambda db=db: floor(db), args.runs)
                apm = median_time(lambda db=db: apm_all(db, at), args.runs)
                chart = median_time(lambda db=db: pacing(db, at), args.runs)
                print(
                    f"| {store} | {size:,} | {low:.3f} | {apm:.3f} | {chart:.3f} | "
                    f"{chart / low:.1f} |",
                    flush=True,
                )
                db.dispose()


if __name__ == "__main__":
    main()
