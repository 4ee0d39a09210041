"""`council import deals` throughput on a 100k-row Salesforce export, SQLite and PostgreSQL,
against the floor: the same final rows written into the same migrated schema by the
fastest plain path (one executemany per table on SQLite; COPY and VACUUM ANALYZE on
PostgreSQL), measured in the same run.

    python -m bench.import_bench [--rows 100000] [--runs 3]

Each run loads a fresh database through the real CLI (process start included), then
loads the same file again (every row unchanged), then copies the deals and versions it
made into another fresh database the plain way. Prints a Markdown table of medians.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

POSTGRES_ADMIN = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
STAGES = ["Prospecting", "Qualification", "Consideration", "Decision", "Closed Won", "Closed Lost"]


def make_export(path: Path, rows: int, seed: int = 7) -> None:
    """A Salesforce-style Opportunity export with API column names."""
    rng = random.Random(seed)
    owners = [f"Rep {i:03d}" for i in range(200)]
    start = date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "Id",
                "Name",
                "Account.Name",
                "Owner.Name",
                "StageName",
                "Amount",
                "CloseDate",
                "CreatedDate",
                "Product",
                "Region",
                "Segment",
                "LeadSource",
                "NextStep",
            ]
        )
        for i in range(rows):
            created = start + timedelta(days=rng.randint(0, 1000))
            out.writerow(
                [
                    f"006{i:015d}",
                    f"Deal {i}",
                    f"Account {rng.randint(1, 5000)}",
                    rng.choice(owners),
                    rng.choice(STAGES),
                    f"{rng.lognormvariate(10, 1):.2f}",
                    (created + timedelta(days=rng.randint(10, 200))).isoformat(),
                    f"{created.isoformat()}T10:00:00.000+0000",
                    rng.choice(["Platform", "Analytics", "Services"]),
                    rng.choice(["AMER", "EMEA", "APAC"]),
                    rng.choice(["Enterprise", "Mid-Market", "SMB"]),
                    rng.choice(["AE", "BDR", "SDR", "Marketing", "Partner"]),
                    "call",
                ]
            )


def timed_import(url: str, export: Path) -> tuple[float, float]:
    """Wall seconds and the process's CPU seconds (user and system)."""
    env = {**os.environ, "DATABASE_URL": url}
    before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.run.cli", "import", "deals", str(export)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, _children_cpu() - before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fresh(kind: str, folder: Path, run: int, name: str = "import_bench") -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'bench{run}.db'}"
    name = f"{name}_{os.getpid()}"  # several people bench on this machine at once
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    subprocess.run(
        [sys.executable, "-m", "bot.run.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


LOADED = ("deals", "deal_versions")
SETUP = ("workspaces", "people", "stages", "dimension_values")


def floor(kind: str, loaded_url: str, folder: Path, run: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process's: all of SQLite's work, only the client's on
    PostgreSQL) to write the deals and versions the import made into a fresh migrated
    database by the plain path (the workspace, people and stages they refer to are
    copied first, untimed)."""
    source = create_engine(loaded_url)
    with source.connect() as connection:
        tables = {
            name: (
                list(connection.execute(text(f"SELECT * FROM {name}")).keys()),
                [tuple(row) for row in connection.execute(text(f"SELECT * FROM {name}"))],
            )
            for name in (*SETUP, *LOADED)
        }
    source.dispose()
    if kind == "postgresql":
        # JSON columns come back as dicts; COPY takes their text (converted before timing).
        tables = {
            name: (names, [tuple(_json_text(v) for v in row) for row in rows])
            for name, (names, rows) in tables.items()
        }
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'floor{run}.db'}"
        subprocess.run(
            [sys.executable, "-m", "bot.run.cli", "db", "upgrade"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    else:
        url = fresh(kind, folder, run, name="import_floor")
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for name in SETUP:
            _plain_insert(kind, cursor, name, *tables[name])
        raw.commit()
        started, cpu = time.perf_counter(), time.process_time()
        for name in LOADED:
            _plain_insert(kind, cursor, name, *tables[name])
        raw.commit()
        if kind == "postgresql":
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor.execute("VACUUM (ANALYZE) deals, deal_versions")
        else:
            cursor.execute("ANALYZE")
            raw.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        raw.close()
        engine.dispose()
    return seconds, cpu


def _json_text(value: object) -> object:
    return json.dumps(value) if isinstance(value, dict | list) else value


def _plain_insert(kind: str, cursor: object, table: str, names: list[str], rows: list) -> None:
    if not rows:
        return
    if kind == "postgresql":
        columns = ", ".join(f'"{n}"' for n in names)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in names)
        cursor.executemany(  # type: ignore[attr-defined]
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "opportunities.csv"
        make_export(export, args.rows)
        print(
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {args.rows:,} rows, median of {args.runs} runs\n"
        )
        print(
            "| store | first load (s) | rows/s | floor (s) | ratio | CPU: load / floor (s) "
            "| CPU ratio | same file again (s) | rows/s |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind in args.stores.split(","):
            first, again, floors = [], [], []
            for run in range(args.runs):
                url = fresh(kind, folder, run)
                first.append(timed_import(url, export))
                again.append(timed_import(url, export))
                floors.append(floor(kind, url, folder, run))
                print(
                    f"<!-- {kind} run {run}: first, again, floor (wall, CPU): "
                    f"{first[-1]}, {again[-1]}, {floors[-1]} -->",
                    flush=True,
                )
            a, b, f = (statistics.median(w for w, _c in runs) for runs in (first, again, floors))
            ac, fc = (statistics.median(c for _w, c in runs) for runs in (first, floors))
            # PostgreSQL does the floor's work in its own process: its CPU is not seen here.
            cpu = f"{ac:.1f} / {fc:.1f} | {ac / fc:.2f}x" if kind == "sqlite" else "- | -"
            print(
                f"| {kind} | {a:.1f} | {args.rows / a:,.0f} | {f:.1f} | {a / f:.2f}x | {cpu} "
                f"| {b:.1f} | {args.rows / b:,.0f} |",
                flush=True,
            )
            if kind == "postgresql":
                drop(("import_bench", "import_floor"))


def drop(names: tuple[str, ...]) -> None:
    """Drop this run's databases (named as `fresh` names them)."""
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}_{os.getpid()} WITH (FORCE)"))
    admin.dispose()


if __name__ == "__main__":
    main()
