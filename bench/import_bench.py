"""`council import deals` throughput on a 100k-row Salesforce export, SQLite and PostgreSQL.

    python -m bench.import_bench [--rows 100000] [--runs 3]

Each run loads a fresh database through the real CLI (process start included), then
loads the same file again (every row unchanged). Prints a Markdown table of medians.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
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


def timed_import(url: str, export: Path) -> float:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.run.cli", "import", "deals", str(export)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def fresh(kind: str, folder: Path, run: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'bench{run}.db'}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS council_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE council_bench"))
    admin.dispose()
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/council_bench"
    subprocess.run(
        [sys.executable, "-m", "bot.run.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "opportunities.csv"
        make_export(export, args.rows)
        print(
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {args.rows:,} rows, median of {args.runs} runs\n"
        )
        print("| store | first load (s) | rows/s | same file again (s) | rows/s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for kind in ("sqlite", "postgresql"):
            first, again = [], []
            for run in range(args.runs):
                url = fresh(kind, folder, run)
                first.append(timed_import(url, export))
                again.append(timed_import(url, export))
            a, b = statistics.median(first), statistics.median(again)
            print(f"| {kind} | {a:.1f} | {args.rows / a:,.0f} | {b:.1f} | {args.rows / b:,.0f} |")


if __name__ == "__main__":
    main()
