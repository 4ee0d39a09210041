"""A digest as the ordered Slack messages that carry it, within Slack's limits."""

from __future__ import annotations

import base64
import json
from typing import Any

from tabulate import tabulate

from bot.render.accuracy import accuracy_line
from bot.render.apm import (
    HEADERS,
    apm_tables,
    call_notes,
    cell_text,
    dot,
    fallback_text,
    total_notes,
)
from bot.render.blocks import Block, button, chunks, context, esc, inert, section
from bot.render.forecast import summary_lines
from bot.render.pictures import apm_image, pacing_image
from bot.render.sla import marketing_blocks
from commands.actions.marketing import FigureRef
from commands.actions.results import CELL_ASSIGN, MARKETING_TITLE
from commands.deals.results import DEAL_DRILL
from commands.digest import CellRef, Digest, DimensionDigest, cell_value_text
from commands.formatting import short_money
from commands.metrics import COLUMNS
from store.metrics import Movement

MAX_BLOCKS = 50
MAX_TEXT = 12_000
MOVES = {
    "new": "new",
    "pulled_in": "pulled in",
    "pushed_out": "pushed out",
    "won": "won",
    "lost": "lost",
    "grown": "grown",
    "shrunk": "shrunk",
}


def _block_text(block: Block) -> int:
    if block["type"] == "table":
        # What Slack counts is the text; the cells' JSON wrapping would triple it.
        return sum(len(cell.get("text", "")) for row in block["rows"] for cell in row)
    return len(json.dumps(block, ensure_ascii=False))


def split(blocks: list[Block]) -> list[list[Block]]:
    """Blocks in order, as few messages as Slack's limits allow (50 blocks, ~12k chars,
    one table). A table ends its message: Slack shows it below the message's other
    blocks, so what follows it goes in the next message to keep the reading order."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = _block_text(block)
        if messages[-1] and (len(messages[-1]) == MAX_BLOCKS or size + length > MAX_TEXT):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += length
        if block["type"] == "table":
            messages.append([])
            size = 0
    return [m for m in messages if m]


def moves_line(value: str, moves: dict[str, Movement], currency: str) -> str:
    parts = [
        f"{m.count} {MOVES[kind]} {short_money(m.amount, currency)}" for kind, m in moves.items()
    ]
    return f"• *{inert(value)}*: " + " · ".join(parts)


def _header(digest: Digest) -> str:
    t = digest.total
    return (
        f"*Pipeline council · {inert(digest.council)} · {digest.period.label}* · "
        f"{digest.elapsed:.0%} of the quarter gone · as of {digest.as_of:%Y-%m-%d %H:%M %Z}\n"
        + " · ".join(
            f"{HEADERS[name]} {cell_text(name, getattr(t, name), digest.currency)}"
            for name in COLUMNS
        )
    )


def dimension_blocks(digest: Digest, part: DimensionDigest) -> list[Block]:
    """One dimension's APM as Slack tables (each ending a message), its notes and what
    moved this week."""
    blocks = [section(f"*APM by {inert(part.apm.dimension)}* (table below)")]
    notes = call_notes(part.apm)
    if notes:
        blocks.extend(section(inert(piece)) for piece in chunks(notes))
    # Ours, with the command to run in code style; nothing typed is in it.
    blocks.extend(section(esc(piece)) for piece in chunks(total_notes(part.apm)))
    moved = [(v, m) for v, m in sorted(part.changes.items()) if m]
    title = f"*What changed since last week, by {part.apm.dimension}*"
    blocks.append(section(title if moved else f"{title}\nNothing moved."))
    for value, moves in moved:
        # Each line leads to the deals that moved it.
        line = section(moves_line(value, moves, digest.currency))
        deals = {"where": {part.apm.dimension: value}, "period": digest.period.label}
        line["accessory"] = button("Deals", DEAL_DRILL, json.dumps(deals))
        blocks.append(line)
    # Last: Slack shows a table below the message's other blocks, and a table ends a message.
    blocks.extend(apm_tables(part.apm))
    return blocks


def main_blocks(digest: Digest) -> list[Block]:
    """The digest's messages' blocks in reading order, one part after another (a new part
    of the digest is one more function here). The summary comes first, then one message
    per dimension, each ending with its table (Slack allows one table per message)."""
    blocks = [section(_header(digest))]
    if digest.accuracy is not None:
        blocks.append(section(accuracy_line(digest.accuracy)))
    blocks.extend(owners_blocks(digest))
    for part in digest.dimensions:
        blocks.extend(dimension_blocks(digest, part))
    if digest.marketing is not None:
        blocks.extend(marketing_blocks(digest.marketing))
        blocks.extend(_asked_blocks([f.label for f in digest.marketing_owners], "figure"))
    return blocks


def owners_blocks(digest: Digest) -> list[Block]:
    """How many rows the thread asks owners for."""
    more = f", and {len(digest.left_out)} more with smaller gaps" if digest.left_out else ""
    labels = [ref.label for ref in digest.needs_owner]
    return _asked_blocks(labels, "row", f", largest gap to pace first{more}")


def _asked_blocks(labels: list[str], what: str, why: str = "") -> list[Block]:
    """`2 rows need an owner (R1–R2, ...): see the thread.`"""
    if not labels:
        return []
    asked = f"{what} needs" if len(labels) == 1 else f"{what}s need"
    span = labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"
    return [context(f"{len(labels)} {asked} an owner ({span}{why}): see the thread.")]


def follow_up_blocks(digest: Digest) -> list[Block]:
    """Actions and the forecast questions' counts: the thread's last messages, after the
    rows that need an owner, so the channel shows the numbers and the thread the work."""
    blocks: list[Block] = []
    if digest.actions or digest.loop_line:
        lines = ["*Actions*"]
        for a in digest.actions:
            state = "done" if a.status == "done" else "overdue" if a.overdue else "open"
            lines.append(
                f"• {esc(a.label)} {inert(a.cell)} → {inert(a.owner)}: "
                f"{inert(a.description)} (due {a.due.isoformat()}, {state})"
            )
        if digest.loop_line:
            lines.append(f"_{inert(digest.loop_line)}_")
        blocks.extend(section(piece) for piece in chunks(lines))
    answers = digest.checklist
    if answers.committed or answers.gaps:
        blocks.extend(section(piece) for piece in chunks(summary_lines(answers)))
    return blocks


def _cell(digest: Digest, asked: CellRef | FigureRef) -> dict[str, Any]:
    """The cell an item asks an owner for, as its button and the run's record carry it
    (`commands.actions.results.Cell`)."""
    if isinstance(asked, CellRef):
        color = asked.cell.color
        shown = cell_value_text(asked.column, asked.cell, digest.currency)
    else:
        color, shown = asked.color, asked.shown
    return {
        "council": digest.council_id,
        "label": asked.label,
        "dimension": asked.dimension,
        "value": asked.value,
        "column": asked.column,
        "period": digest.period.label,
        # What the cell showed, for the owner's DM and its history even where the digest
        # kept no record of it (a forced digest).
        "color": color,
        "shown": shown[:64],
    }


def cell_message(digest: Digest, ref: CellRef, run_id: int) -> dict[str, Any]:
    """A row's thread item: its cells that need an owner, the largest gap first, and one
    Assign owner button for the row."""
    where = f"{ref.dimension} {ref.value}"
    gap = f" · {short_money(ref.gap, digest.currency)} short of pace" if ref.gap else ""
    cells = " · ".join(
        f"{HEADERS[column]} {esc(cell_text(column, cell, digest.currency))}"
        for column, cell in ref.cells
    )
    text = f"{dot(ref.cell.color)} *{ref.label}* · {inert(where)}{gap}\n{cells}"
    value = json.dumps({**_cell(digest, ref), "run": run_id})
    deals = {"where": {ref.dimension: ref.value}, "period": digest.period.label}
    blocks = [
        section(text),
        {
            "type": "actions",
            "block_id": f"cell-{ref.label}",
            "elements": [
                button("Assign owner", CELL_ASSIGN, value, primary=True),
                button("Deals", DEAL_DRILL, json.dumps(deals)),
            ],
        },
    ]
    return {"kind": "thread", "text": text.replace("*", ""), "blocks": blocks}


def figure_message(digest: Digest, figure: FigureRef, run_id: int) -> dict[str, Any]:
    """A Marketing and sales figure's thread item: the figure and its Assign owner button,
    carrying the same cell as an APM row's."""
    text = f"{dot(figure.color)} *{figure.label}* · {MARKETING_TITLE} · {figure.value}: " + esc(
        figure.shown
    )
    value = json.dumps({**_cell(digest, figure), "run": run_id})
    blocks = [
        section(text),
        {
            "type": "actions",
            "block_id": f"cell-{figure.label}",
            "elements": [button("Assign owner", CELL_ASSIGN, value, primary=True)],
        },
    ]
    return {"kind": "thread", "text": text.replace("*", ""), "blocks": blocks}


def left_out_message(digest: Digest) -> dict[str, Any]:
    """After the asked rows: the rest, named, and where to see them."""
    names = ", ".join(
        f"{inert(ref.dimension)} {inert(ref.value)} ({', '.join(HEADERS[c] for c, _ in ref.cells)})"
        for ref in digest.left_out[:20]
    )
    more = len(digest.left_out) - 20
    names += f" and {more} more" if more > 0 else ""
    commands = ", ".join(f"`/apm {part.apm.dimension}`" for part in digest.dimensions)
    text = (
        f"…and {len(digest.left_out)} more rows with red cells, smaller gaps, not asked this "
        f"week: {names}. See them with {commands}."
    )
    return {"kind": "thread", "text": text.replace("`", ""), "blocks": [section(text)]}


def message_text(digest: Digest, index: int, blocks: list[Block]) -> str:
    """A message's plain text: which digest and part it is, and its table as a code
    block for notifications and clients that do not show table blocks."""
    title = f"Pipeline council {digest.council}, {digest.period.label}"
    title += f" ({index + 1})" if index else ""
    tables = [b for b in blocks if b["type"] == "table"]
    if not tables:
        return title
    rows = [[cell["text"] for cell in row] for row in tables[0]["rows"]]
    return fallback_text(title, tabulate(rows[1:], headers=rows[0], disable_numparse=True))


def render_digest(digest: Digest, run_id: int) -> dict[str, Any]:
    """The run's payload: every message in posting order. The first is the thread's
    parent; an image follows the tables; each cell that needs an owner gets a reply."""
    messages: list[dict[str, Any]] = []
    for index, blocks in enumerate(split(main_blocks(digest))):
        messages.append(
            {"kind": "message", "text": message_text(digest, index, blocks), "blocks": blocks}
        )
    messages.append(
        {
            "kind": "image",
            "title": f"APM {digest.period.label}",
            "png": base64.b64encode(apm_image(digest)).decode(),
        }
    )
    if digest.pacing is not None:
        messages.append(
            {
                "kind": "image",
                "title": f"Pacing {digest.period.label}",
                "png": base64.b64encode(pacing_image(digest.pacing)).decode(),
            }
        )
    cells = []
    for ref in digest.needs_owner:
        cells.append({**_cell(digest, ref), "position": len(messages)})
        messages.append(cell_message(digest, ref, run_id))
    if digest.left_out:
        messages.append(left_out_message(digest))
    for figure in digest.marketing_owners:
        cells.append({**_cell(digest, figure), "position": len(messages)})
        messages.append(figure_message(digest, figure, run_id))
    for blocks in split(follow_up_blocks(digest)):
        text = f"Pipeline council {digest.council}: actions and forecast questions"
        messages.append({"kind": "thread", "text": text, "blocks": blocks})
    return {"channel": digest.channel, "messages": messages, "cells": cells}
