"""How fast `council --help` and `council apm --by product --json` start, against the floors.

    python -m bench.cli_start [--runs 15] [--deals 10000] [--before SOURCE_TREE]

Times whole processes (wall clock and CPU time, medians of `--runs`), interleaved so that
a busy machine weighs on every figure alike (CPU time is what a shared machine disturbs
least): the interpreter alone, `import sqlalchemy` (a floor no command that reads the store
can go under), and the two commands, on an SQLite store filled by `council demo-data`.
Warm means with bytecode cached: every process runs without PYTHONDONTWRITEBYTECODE (which
made each `council` compile the project's modules from source again), after the trees are
compiled (`compileall`) and each process has run once. With `--before`, another source
tree of the project (say, `git worktree add /tmp/before main`) is timed the same way in the
same run, on its own store.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "commands", "schedules", "store")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall clock and CPU time (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Run from elsewhere: `-m` puts the working directory first on the path.
    subprocess.run(argv, env=env, check=True, capture_output=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--before", type=Path, help="another source tree to time alike")
    args = parser.parse_args()
    trees = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    folder = Path(tempfile.mkdtemp(prefix="cli-start-"))
    warm = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], warm),
        "import sqlalchemy": ([sys.executable, "-c", "import sqlalchemy"], warm),
    }
    for name, tree in trees.items():
        packages = [str(tree / package) for package in PACKAGES]
        subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], env=warm, check=True)
        env = warm | {
            "PYTHONPATH": str(tree),
            "DATABASE_URL": f"sqlite:///{folder / (name + '.db')}",
        }
        council = [sys.executable, "-m", "bot.run.cli"]
        subprocess.run(
            [*council, "demo-data", "--deals", str(args.deals)], env=env, check=True, cwd=folder
        )
        cases[f"{name}: council --help"] = ([*council, "--help"], env)
        cases[f"{name}: council apm --by product --json"] = (
            [*council, "apm", "--by", "product", "--json"],
            env,
        )
    for argv, env in cases.values():  # warm the disk cache and write what bytecode is missing
        timed(argv, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (argv, env) in cases.items():
            times[name].append(timed(argv, env))
    floor = statistics.median(cpu for _, cpu in times["import sqlalchemy"])
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs}\n"
    )
    print("| process | wall median (s) | wall min (s) | CPU median (s) | CPU × import sqlalchemy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, found in times.items():
        walls, cpus = [w for w, _ in found], [c for _, c in found]
        cpu = statistics.median(cpus)
        print(
            f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {cpu:.3f} "
            f"| {cpu / floor:.2f} |"
        )


if __name__ == "__main__":
    main()
