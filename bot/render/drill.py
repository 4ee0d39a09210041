"""The deals behind a cell, a page at a time."""

from __future__ import annotations

import json

from bot.render.blocks import Block, Message, button, chunks, context, esc, inert, render, section
from bot.render.digest import MOVES
from commands.deals.results import DEAL_DRILL, DEAL_DRILL_BACK, DealDrill, DrillLine
from commands.formatting import day, short_money


def drill_line(line: DrillLine) -> str:
    """`• #12 *Acme renewal* · Jo Park · Decision · $120k · closes 2026-12-15 · pushed out`"""
    deal = line.deal
    parts = [
        f"#{deal.id} *{inert(deal.name)}*",
        inert(deal.owner),
        inert(deal.stage),
        short_money(deal.amount, deal.currency),
        f"closes {day(deal.close_date)}",
    ]
    if line.move:
        parts.append(f"_{MOVES.get(line.move, line.move)}_")
    return "• " + " · ".join(parts)


def _page(result: DealDrill, page: int) -> str:
    return json.dumps({**result.query, "page": page})


@render.register
def _(result: DealDrill) -> Message:
    count = f"{result.total} deal{'s' if result.total != 1 else ''}"
    if result.pages > 1:
        count += f", page {result.page + 1} of {result.pages}"
    title = (
        f"*Deals · {inert(result.title)} · {esc(result.period)}* ({esc(result.seen_as)}; {count})"
    )
    if not result.lines:
        empty = f"No deals here close in {esc(result.period)} ({esc(result.seen_as)})."
        return Message(f"Deals {result.title}: none", [section(f"{title}\n{empty}")])
    lines = [title, *(drill_line(line) for line in result.lines)]
    blocks: list[Block] = [section(piece) for piece in chunks(lines)]
    blocks.append(
        context(
            f"Moves since {result.since.isoformat()}, as the digest's “what changed” counts "
            "them. Amounts are ACV; biggest first."
        )
    )
    buttons = []
    if result.page > 0:
        buttons.append(button("◀ Previous", DEAL_DRILL_BACK, _page(result, result.page - 1)))
    if result.page + 1 < result.pages:
        buttons.append(button("Next ▶", DEAL_DRILL, _page(result, result.page + 1)))
    if buttons:
        blocks.append({"type": "actions", "block_id": "deal-pages", "elements": buttons})
    return Message(f"Deals {result.title}, {result.period}: {count}", blocks)
