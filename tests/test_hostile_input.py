"""Any text in any command or payload field, and the hostile strings of the apex recipes
export (script tags, SQL, emoji, zalgo, Slack mention syntax), through every way in and
every rendering: no unhandled exception, stored exactly, shown inert."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest_render import render_digest
from bot.home_render import home_blocks
from bot.render import Message, Modal, render
from commands import actions, checklist, cleanup, council, deal
from commands.context import Actor, Env
from commands.demo import load_demo
from commands.digest import build_digest
from commands.home import build_home
from commands.registry import SLASH_COMMANDS
from commands.results import Problem
from store import councils as store_councils
from tests.support.crm import crm_file

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")
REP = Actor("local", "U0DEMO004", "Jo Park", "console")
# Derandomized: CI tries the same inputs each run, so a commit is green or red for good;
# change the seed (or run with --hypothesis-seed) to explore further.
EXAMPLES = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Slack's mrkdwn entities we write ourselves: user and channel mentions by id, links.
OURS = re.compile(r"<(?:@U[A-Z0-9]+|#C[A-Z0-9]+(?:\|[^<>]*)?|https?://[^<>|]+(?:\|[^<>]*)?)>")
# Anything that looks like text people typed (ASCII and beyond, quotes, mentions).
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80
) | st.sampled_from(
    [
        '<!channel> "quoted',
        "<@U0DEMO004> <#C123|x> <https://evil.example|click>",
        "'; DROP TABLE deals; --",
        "amount=-5 close=yesterday stage=",
        "Ẓ̵̢̙̘͎a̸̡̛͓l̶̨̛g̶o̷ 🐵 ‮ rtl",
        "\u0000\u0007\ufeff",
        "x" * 3000,
    ]
)


def texts_of(shown: Message | Modal) -> list[str]:
    """Every piece of mrkdwn in a message or modal (plain text is never parsed for
    mentions or links, so it may hold anything)."""
    blocks = shown.blocks if isinstance(shown, Message) else shown.view.get("blocks", [])
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def assert_inert(shown: Message | Modal) -> None:
    """No `<` or `>` reaches Slack except in the entities the bot writes itself."""
    for text in texts_of(shown):
        leftover = OURS.sub("", text)
        assert "<" not in leftover and ">" not in leftover, text


@pytest.fixture
def demo(env: Env) -> Env:
    load_demo(env)
    return env


@pytest.mark.parametrize("command", sorted(SLASH_COMMANDS))
@EXAMPLES
@given(text=TYPED)
def test_any_text_after_any_command_gets_an_answer(demo: Env, command: str, text: str):
    for who in (ADMIN, REP):
        result = SLASH_COMMANDS[command](demo, who, text)
        assert result is not None
        assert_inert(render(result))


@EXAMPLES
@given(
    action=st.sampled_from(["deal.pick", "deal.create", "deal.snooze", "deal.other"]),
    value=TYPED | st.builds(json.dumps, st.dictionaries(st.text(max_size=8), TYPED, max_size=4)),
    selected=st.lists(TYPED, max_size=6),
    deal_id=st.integers(min_value=-5, max_value=10**12),
)
def test_any_button_value_or_ticked_box_gets_an_answer(
    demo: Env, action: str, value: str, selected: list[str], deal_id: int
):
    results = [
        deal.press(demo, REP, action, value),
        actions.open_form(demo, ADMIN, value, actions.Place()),
        checklist.answer(demo, REP, deal_id, selected),
        cleanup.snooze(demo, REP, deal_id, value, value, f"k{hash((value, deal_id))}"),
    ]
    for result in results:
        assert_inert(render(result))


@EXAMPLES
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "account",
                "stage",
                "amount",
                "close",
                "next",
                "category",
                "product",
                "region",
                "owner",
            ]
        ),
        TYPED,
        max_size=10,
    )
)
def test_any_form_input_is_saved_or_refused_by_field(demo: Env, fields: dict[str, str]):
    result = deal.submit_form(demo, REP, None, fields, f"form:{hash(repr(fields))}")
    assert_inert(render(result))


def hostile_strings() -> list[str]:
    path = crm_file("salesforce_apex_recipes", "Opportunities.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        found = {row["description"] for row in csv.DictReader(handle)}
    return sorted(s for s in found if s.strip())


def test_the_apex_hostile_strings_are_stored_exactly_and_shown_inert(demo: Env, clock):
    strings = hostile_strings()
    assert len(strings) >= 30
    council.run(demo, ADMIN, "create #pipeline dimensions=product,region tz=UTC")
    saved_ids = []
    for n, text in enumerate(strings):
        values = {
            "name": f"{text[:200]} {n}",
            "account": text[:255],
            "next": text,
            "region": text[:100].strip() or "x",
            "stage": "Decision",
            "amount": "10k",
            "close": "2026-12-15",
        }
        result = deal.submit_form(demo, ADMIN, None, values, f"hostile:{n}")
        shown = render(result)
        assert_inert(shown)
        if isinstance(result, Problem) or not hasattr(result, "deal"):
            continue
        saved_ids.append((result.deal.id, text))
    assert len(saved_ids) == len(strings)  # every one is a valid deal
    for deal_id, text in saved_ids:
        card = deal.run(demo, ADMIN, f"show #{deal_id}")
        assert card.deal.next_step == " ".join(text.split()) or card.deal.next_step == text  # type: ignore[union-attr]
        assert_inert(render(card))
    for command in ("/deal list all", "/apm region", "/coverage region EMEA", "/forecast"):
        name, _, rest = command.partition(" ")
        assert_inert(render(SLASH_COMMANDS[name](demo, ADMIN, rest)))
    with demo.db.transaction() as session:
        found = store_councils.council_named(session, "local", "pipeline")
        assert found is not None
        payload = render_digest(build_digest(session, found, datetime.now(UTC)), 1)
    for message in payload["messages"]:
        if message.get("blocks"):
            assert_inert(Message(message["text"], message["blocks"]))
    assert_inert(Message("home", home_blocks(build_home(demo, ADMIN))))
