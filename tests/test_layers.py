"""Imports point inward: the store knows nothing of commands, commands nothing of Slack or
the clock, the clock reaches Slack only through the outlet it is handed, and the process
wiring (`bot.run`) may import everything while nothing imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("store", "commands", "schedules", "bot")
EVERYTHING = {
    "store",
    "commands",
    "schedules",
    "bot.render",
    "bot.webapi",
    "bot.slack",
    "bot.console",
    "bot.salesforce",
}
# What each place may import of ours, besides itself.
MAY_IMPORT = {
    "bot": set(),  # the package itself holds nothing
    "store": set(),
    "commands": {"store"},
    "schedules": {"commands", "store"},
    "bot.render": {"commands", "store"},
    "bot.webapi": {"bot.render", "schedules", "commands", "store"},
    "bot.slack": {"bot.webapi", "bot.render", "schedules", "commands", "store"},
    "bot.console": {"bot.webapi", "bot.render", "schedules", "commands", "store"},
    # A connector to another system, like Slack's: the use cases never import its client.
    "bot.salesforce": {"schedules", "commands", "store"},
    "bot.run": EVERYTHING,
}
# Slack's libraries belong to the connector: its Web API side, its bolt app, the wiring.
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
MAY_USE_SLACK = {"bot.webapi", "bot.slack", "bot.run"}


def place_of(module: str) -> str | None:
    """The place a module of ours belongs to (the longest listed prefix), None if not ours."""
    fitting = [p for p in MAY_IMPORT if module == p or module.startswith(p + ".")]
    return max(fitting, key=len) if fitting else None


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found.append((dotted.removesuffix(".__init__"), path))
    return sorted(found)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module the file imports, at any depth (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


MODULES = modules()


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_inward(module: str, path: Path):
    here = place_of(module)
    assert here in MAY_IMPORT, f"{module} is in no known place; add it to MAY_IMPORT"
    wrong = []
    for line, imported in imports_of(path):
        there = place_of(imported)
        if there is None or there == here or imported.startswith(module + "."):
            continue
        if there not in MAY_IMPORT[here]:
            wrong.append((line, imported))
    assert not wrong, f"{module} ({here}) imports outward: {wrong}"


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_slack_libraries_only_in_the_connector(module: str, path: Path):
    if place_of(module) in MAY_USE_SLACK:
        return
    used = [(line, name) for line, name in imports_of(path) if name.startswith(SLACK_LIBRARIES)]
    assert not used, f"{module} imports Slack's libraries: {used}"


def test_the_check_itself_catches_an_outward_import(tmp_path: Path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from bot.render import render\nimport slack_sdk\n")
    imported = {name for _, name in imports_of(wrong)}
    assert "bot.render" in imported and "slack_sdk" in imported
    assert place_of("bot.render") not in MAY_IMPORT["commands"]
    assert place_of("bot.run.cli") == "bot.run" and place_of("schedules.clock") == "schedules"
