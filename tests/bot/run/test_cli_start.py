"""`council apm` and `council --help` start at once: they import what they use and no more.
Their times are measured in BENCHMARKS.md ("CLI start"); here, which modules they load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from store.db import open_database

ROOT = Path(__file__).resolve().parents[3]
# Runs the command, then prints the modules it loaded (the command's own output goes first).
PROBE = (
    "import json, sys\n"
    "from bot.run.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"  # --help
    "    pass\n"
    "print('\\n' + json.dumps(sorted(sys.modules)))\n"
)
HEAVY = (
    "alembic",  # the migrations: only `council db upgrade` and a new embedded store
    "matplotlib",  # the digest's image
    "slack_sdk",
    "slack_bolt",
    "cryptography",  # sealed tokens: only processes that talk to Slack
    "apscheduler",
    "tabulate",  # the APM as a table, not as JSON
    "babel",  # locales: what people type, not what the CLI prints
    "rapidfuzz",  # "did you mean": only when a name is not found
    "prompt_toolkit",  # the console's prompt
    "psycopg",  # PostgreSQL's driver, on an SQLite store
    "bot.render.council",  # other commands' renderings
    "bot.render.digest",
    "commands.checklist",
    "commands.councils.command",
    "commands.imports",
)


def loaded(args: list[str], database: str) -> tuple[str, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env |= {"PYTHONPATH": str(ROOT), "DATABASE_URL": database}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output, _, modules = result.stdout.rpartition("\n\n")
    assert modules, result.stderr
    return output, set(json.loads(modules))


def heavy_in(modules: set[str]) -> list[str]:
    return [m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY]


def test_council_apm_json_loads_neither_alembic_nor_other_commands(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'council.db'}"
    open_database(url).dispose()  # migrated here, as a store in use is
    output, modules = loaded(["apm", "--by", "product", "--json"], url)
    assert json.loads(output)["dimension"] == "product"
    assert heavy_in(modules) == []
    assert "sqlalchemy" in modules  # the probe saw a real run


def test_council_help_loads_not_even_the_store(tmp_path: Path):
    output, modules = loaded(["--help"], f"sqlite:///{tmp_path / 'council.db'}")
    assert "usage: council" in output
    assert heavy_in(modules) == []
    assert "sqlalchemy" not in modules and "store.db" not in modules
