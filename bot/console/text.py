"""Block Kit as terminal text, so the console shows the very replies Slack shows."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.render.blocks import Block

EMOJI = {
    ":warning:": "⚠️",
    ":no_entry:": "⛔",
    ":mag:": "🔍",
    ":white_check_mark:": "✅",
    ":ballot_box_with_check:": "☑️",
    ":broom:": "🧹",
    ":hourglass:": "⏳",
}


def plain(mrkdwn: str) -> str:
    """mrkdwn as a terminal shows it: entities decoded, emoji drawn, bold and fences dropped."""
    text = re.sub(r":[a-z_]+:", lambda m: EMOJI.get(m.group(0), m.group(0)), mrkdwn)
    text = re.sub(r"\*([^*\n]+)\*", r"\1", text).replace("```", "\n").strip("\n")
    return html.unescape(text)


def blocks_text(blocks: list[Block], first: int = 1) -> tuple[str, list[Block]]:
    """The blocks as lines of text, and their buttons in the order they are numbered
    (from `first`, so several messages can share one numbering)."""
    lines: list[str] = []
    buttons: list[Block] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if "text" in block:
                lines.append(plain(block["text"]["text"]))
            lines.extend("  " + plain(f["text"]) for f in block.get("fields", []))
        elif kind == "context":
            lines.extend("  " + plain(e.get("text", "")) for e in block["elements"])
        elif kind == "table":
            lines.append(_table(block))
        elif kind == "header":
            lines.append(block["text"]["text"].upper())
        elif kind == "actions":
            for element in block["elements"]:
                if element.get("type") == "checkboxes":
                    lines.extend(_checkboxes(element, block.get("block_id", ""), buttons, first))
                    continue
                buttons.append(element)
                lines.append(f"  [{first + len(buttons) - 1}] {element['text']['text']}")
    return "\n".join(lines), buttons


def _table(block: Block) -> str:
    """A Slack table block as aligned columns."""
    from tabulate import tabulate

    rows = [[cell.get("text", "") for cell in row] for row in block["rows"]]
    return tabulate(rows[1:], headers=rows[0], disable_numparse=True)


def _checkboxes(element: Block, block_id: str, buttons: list[Block], first: int) -> list[str]:
    """Each checkbox as a numbered toggle; toggles of one set share its ticked list, so
    pressing one after another builds on the last."""
    ticked = [o["value"] for o in element.get("initial_options", [])]
    lines = []
    for option in element["options"]:
        buttons.append(
            {
                "type": "checkbox",
                "action_id": element["action_id"],
                "block_id": block_id,
                "value": option["value"],
                "ticked": ticked,
            }
        )
        mark = "☑" if option["value"] in ticked else "☐"
        lines.append(f"  [{first + len(buttons) - 1}] {mark} {option['text']['text']}")
    return lines


def input_blocks(view: dict[str, Any]) -> list[Block]:
    return [b for b in view.get("blocks", []) if b.get("type") == "input"]
