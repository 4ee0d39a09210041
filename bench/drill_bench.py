"""The drill-down (`/apm region VALUE`) against the APM it drills from, same store, same run.

    python -m bench.drill_bench [--deals 10000,100000]

A generated organisation per size on SQLite; each command's best of five runs, and the
drill-down as a multiple of the APM (the floor measured in the same run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from commands.apm import Apm, run_apm
from commands.context import Actor, Env
from commands.deals.results import DealDrill
from commands.generate import generate
from store import people
from store.db import Database


def best(env: Env, actor: Actor, text: str, times: int = 5) -> tuple[float, object]:
    taken, result = [], None
    for _ in range(times):
        started = time.perf_counter()
        result = run_apm(env, actor, text)
        taken.append(time.perf_counter() - started)
    return min(taken), result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", default="10000,100000")
    sizes = [int(s) for s in parser.parse_args(argv).deals.split(",")]
    print("| store | deals | `/apm region` (s) | `/apm region VALUE` (s) | deals listed | × APM |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for size in sizes:
        folder = tempfile.mkdtemp()
        db = Database(f"sqlite:///{folder}/bench.db")
        db.upgrade()
        env = Env(db)
        generate(env, "local", deals_count=size, seed=1)
        with db.transaction() as session:
            admin = next(p for p in people.list_people(session, "local") if p.role == "admin")
        actor = Actor("local", admin.slack_user_id or "", admin.display_name, "console")
        apm_s, apm = best(env, actor, "region")
        assert isinstance(apm, Apm)
        value = apm.rows[0].value
        drill_s, drill = best(env, actor, f"region {value}")
        assert isinstance(drill, DealDrill)
        print(
            f"| SQLite | {size:,} | {apm_s:.3f} | {drill_s:.3f} | {drill.total:,} | "
            f"{drill_s / apm_s:.2f} |"
        )
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
