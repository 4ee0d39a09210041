"""One registry for every connector: each button and form a renderer offers is one the
registry answers, and each it answers is offered somewhere."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from commands.registry import BUTTONS, FORMS, SLASH_COMMANDS

ROOT = Path(__file__).parents[2]
# Where buttons and forms are built: the renderers, and use cases that offer choices.
BUILDERS = sorted([*ROOT.glob("bot/render/*.py"), *ROOT.glob("commands/**/*.py")])
KNOWN = set(BUTTONS) | set(FORMS)
INPUT_ACTION = "value"  # every form input's element, read back by its block id


def offered(path: Path) -> list[tuple[int, str]]:
    """Each action id or callback id the module puts on a button, an option or a view:
    (line, id), or (line, "?…") when it is not a string constant the module knows."""
    tree = ast.parse(path.read_text())
    parts = path.relative_to(ROOT).with_suffix("").parts if ROOT in path.parents else ()
    dotted = ".".join(parts).removesuffix(".__init__")
    module = vars(importlib.import_module(dotted)) if dotted else {}
    params: set[str] = set()
    found: list[tuple[int, str]] = []

    def name_of(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and isinstance(module.get(node.id), str):
            return str(module[node.id])
        if isinstance(node, ast.Name) and node.id in params:
            return ""  # a helper passing its argument on; its callers are checked
        if isinstance(node, ast.Attribute) and node.attr == "action":
            return ""  # an Option's action, checked where the Option is made
        return f"?{ast.unparse(node)}"

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            params |= {a.arg for a in node.args.args + node.args.kwonlyargs}
    for node in ast.walk(tree):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if called and node.func.id in ("button", "Option") and len(node.args) >= 2:
            found.append((node.lineno, name_of(node.args[1])))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("action_id", "callback_id"):
                    found.append((node.lineno, name_of(value)))
    return [(line, name) for line, name in found if name and name != INPUT_ACTION]


@pytest.mark.parametrize("path", BUILDERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_button_and_form_offered_is_answered_by_the_registry(path: Path):
    unknown = [(line, name) for line, name in offered(path) if name not in KNOWN]
    assert not unknown, f"{path.name}: ids the registry does not answer: {unknown}"


def test_every_registered_button_and_form_is_offered_somewhere():
    everywhere = {name for path in BUILDERS for _, name in offered(path)}
    assert everywhere >= KNOWN, KNOWN - everywhere


def test_slash_commands_are_named_like_slack_commands_and_have_help():
    for name, command in SLASH_COMMANDS.items():
        assert name.startswith("/") and name[1:].isalpha()
        assert command.description and len(command.usage_hint) <= 100
