"""A digest as the ordered Slack messages that carry it, within Slack's limits."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from bot.render.apm import HEADERS, apm_table, call_notes, cell_text, dot, total_notes
from bot.render.blocks import Block, button, chunks, context, esc, fenced, inert, section
from bot.render.forecast import summary_lines
from commands.actions.results import CELL_ASSIGN
from commands.deals.results import DEAL_DRILL
from commands.digest import CellRef, Digest
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
FILL = {"green": "#b7e1b0", "yellow": "#fbe7a1", "red": "#f4a6a6"}


def _block_text(block: Block) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def split(blocks: list[Block]) -> list[list[Block]]:
    """Blocks in order, as few messages as Slack's limits allow (50 blocks, ~12k chars)."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = _block_text(block)
        if messages[-1] and (len(messages[-1]) == MAX_BLOCKS or size + length > MAX_TEXT):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += length
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


def main_blocks(digest: Digest) -> list[Block]:
    blocks = [section(_header(digest))]
    for part in digest.dimensions:
        table = apm_table(part.apm).split("\n")
        head, body = table[:2], table[2:]
        for piece in chunks(body, 2800 - len("\n".join(head))):
            blocks.append(section(fenced("\n".join([*head, piece]))))
        notes = call_notes(part.apm)
        if notes:
            blocks.extend(section(inert(piece)) for piece in chunks(notes))
        # Ours, with the command to run in code style; nothing typed is in it.
        blocks.extend(section(esc(piece)) for piece in chunks(total_notes(part.apm)))
        moved = [(v, m) for v, m in sorted(part.changes.items()) if m]
        title = f"*What changed since last week, by {part.apm.dimension}*"
        blocks.append(section(title if moved else f"{title}\nNothing moved."))
        for value, moves in moved:
            line = section(moves_line(value, moves, digest.currency))
            deals = {"where": {part.apm.dimension: value}, "period": digest.period.label}
            line["accessory"] = button("Deals", DEAL_DRILL, json.dumps(deals))
            blocks.append(line)
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
    if digest.needs_owner:
        labels = ", ".join(c.label for c in digest.needs_owner)
        blocks.append(
            context(f"{len(digest.needs_owner)} cells need an owner ({labels}): see the thread.")
        )
    return blocks


def cell_message(digest: Digest, ref: CellRef, run_id: int) -> dict[str, Any]:
    where = f"{ref.dimension} {ref.value}"
    text = (
        f"{dot(ref.cell.color)} *{ref.label}* · {inert(where)} · {HEADERS[ref.column]}: "
        f"{esc(cell_text(ref.column, ref.cell, digest.currency))}"
    )
    value = json.dumps(
        {
            "council": digest.council_id,
            "run": run_id,
            "label": ref.label,
            "dimension": ref.dimension,
            "value": ref.value,
            "column": ref.column,
            "period": digest.period.label,
        }
    )
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


def image(digest: Digest) -> bytes:
    """The digest's tables as a PNG with coloured cells: colour reads faster than emoji."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    tables = [part.apm for part in digest.dimensions]
    rows = sum(len(t.rows) + 2 for t in tables)
    figure, axes = pyplot.subplots(
        len(tables), 1, figsize=(11, 0.42 * rows + 0.6 * len(tables)), squeeze=False
    )
    for axis, apm in zip(axes[:, 0], tables, strict=True):
        axis.axis("off")
        axis.set_title(
            f"APM by {apm.dimension} · {apm.period.label}",
            loc="left",
            fontsize=11,
            fontweight="bold",
            parse_math=False,
        )
        body = [
            [row.value, *(cell_text(c, getattr(row, c), apm.currency)[2:] for c in COLUMNS)]
            for row in [*apm.rows, apm.total]
        ]
        colours = [
            ["#ffffff", *(FILL.get(getattr(row, c).color or "", "#f2f2f2") for c in COLUMNS)]
            for row in [*apm.rows, apm.total]
        ]
        drawn = axis.table(
            cellText=body,
            cellColours=colours,
            colLabels=[apm.dimension.capitalize(), *(HEADERS[c] for c in COLUMNS)],
            loc="upper left",
            cellLoc="left",
        )
        for cell in drawn.get_celld().values():
            # Values are what people typed: `$\\foo$` is a region's name, not mathtext
            # (parsing it raised and stopped the clock for every workspace).
            cell.get_text().set_parse_math(False)
        drawn.auto_set_font_size(False)
        drawn.set_fontsize(9)
        drawn.scale(1, 1.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    pyplot.close(figure)
    return buffer.getvalue()


def render_digest(digest: Digest, run_id: int) -> dict[str, Any]:
    """The run's payload: every message in posting order. The first is the thread's
    parent; an image follows the tables; each cell that needs an owner gets a reply."""
    messages: list[dict[str, Any]] = []
    for index, blocks in enumerate(split(main_blocks(digest))):
        fallback = f"Pipeline council {digest.council}, {digest.period.label}"
        messages.append(
            {
                "kind": "message",
                "text": fallback + (f" ({index + 1})" if index else ""),
                "blocks": blocks,
            }
        )
    messages.append(
        {
            "kind": "image",
            "title": f"APM {digest.period.label}",
            "png": base64.b64encode(image(digest)).decode(),
        }
    )
    cells = []
    for ref in digest.needs_owner:
        cells.append(
            {
                "label": ref.label,
                "council": digest.council_id,
                "dimension": ref.dimension,
                "value": ref.value,
                "column": ref.column,
                "period": digest.period.label,
                "position": len(messages),
            }
        )
        messages.append(cell_message(digest, ref, run_id))
    return {"channel": digest.channel, "messages": messages, "cells": cells}
