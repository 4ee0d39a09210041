"""Slack's documented limits on the blocks we send, checked as Slack checks them
(`invalid_blocks`), so a test fails where Slack would refuse the message.

From docs.slack.dev/reference/block-kit/blocks/table-block: a message has at most one
table; a table has 1 to 100 rows, each of at most 20 cells, of type raw_text or rich_text;
column_settings has at most 20 items, each `align` left/center/right and `is_wrapped` a
boolean; block_id at most 255 characters. Slack refuses an empty raw_text. From the
message reference: at most 50 blocks; a section's text at most 3,000 characters.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
MAX_COLUMN_SETTINGS = 20
ALIGN = {"left", "center", "right"}
CELL_TYPES = {"raw_text", "rich_text"}


def problems(blocks: list[dict[str, Any]]) -> list[str]:
    """What Slack would refuse in a message's blocks; empty when it would take them."""
    found: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        found.append(f"{len(blocks)} blocks (at most {MAX_BLOCKS})")
    tables = [b for b in blocks if b.get("type") == "table"]
    if len(tables) > 1:
        found.append(f"{len(tables)} tables (only_one_table_allowed)")
    for index, block in enumerate(blocks):
        if len(str(block.get("block_id", ""))) > 255:
            found.append(f"block {index}: block_id over 255 characters")
        text = block.get("text") if block.get("type") == "section" else None
        if text and len(text["text"]) > MAX_SECTION_TEXT:
            found.append(f"block {index}: section text over {MAX_SECTION_TEXT}")
        if block.get("type") == "table":
            found.extend(f"block {index}: {p}" for p in table_problems(block))
    return found


def table_problems(table: dict[str, Any]) -> list[str]:
    found: list[str] = []
    rows = table.get("rows")
    if not isinstance(rows, list) or not rows:
        return ["a table needs rows"]
    if len(rows) > MAX_TABLE_ROWS:
        found.append(f"{len(rows)} rows (at most {MAX_TABLE_ROWS})")
    for r, row in enumerate(rows):
        if len(row) > MAX_TABLE_CELLS:
            found.append(f"row {r}: {len(row)} cells (at most {MAX_TABLE_CELLS})")
        for c, cell in enumerate(row):
            if cell.get("type") not in CELL_TYPES:
                found.append(f"row {r} cell {c}: type {cell.get('type')!r}")
            elif cell["type"] == "raw_text" and not str(cell.get("text", "")).strip():
                found.append(f"row {r} cell {c}: empty")
    settings = table.get("column_settings", [])
    if len(settings) > MAX_COLUMN_SETTINGS:
        found.append(f"{len(settings)} column_settings (at most {MAX_COLUMN_SETTINGS})")
    for s, setting in enumerate(settings):
        if setting is None:
            continue
        if "align" in setting and setting["align"] not in ALIGN:
            found.append(f"column_settings {s}: align {setting['align']!r}")
        if "is_wrapped" in setting and not isinstance(setting["is_wrapped"], bool):
            found.append(f"column_settings {s}: is_wrapped not a boolean")
    return found
