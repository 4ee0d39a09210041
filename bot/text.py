"""Block Kit as terminal text, so the console shows the very replies Slack shows."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.render import Block

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
        elif kind == "header":
            lines.append(block["text"]["text"].upper())
        elif kind == "actions":
            for element in block["elements"]:
                buttons.append(element)
                lines.append(f"  [{first + len(buttons) - 1}] {element['text']['text']}")
    return "\n".join(lines), buttons


def input_blocks(view: dict[str, Any]) -> list[Block]:
    return [b for b in view.get("blocks", []) if b.get("type") == "input"]
