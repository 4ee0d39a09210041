"""The App Home tab as a Block Kit view, within Slack's 100 blocks."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from bot.render.accuracy import accuracy_line
from bot.render.actions import action_line
from bot.render.apm import HEADERS, cell_text
from bot.render.blocks import Block, chunks, context, esc, fenced, section
from bot.render.cleanup import team_lines
from bot.render.forecast import summary_lines
from commands.forecast import CallLine
from commands.formatting import short_money
from commands.home import Home
from commands.metrics import COLUMNS

MAX_BLOCKS = 100
DIVIDER: Block = {"type": "divider"}


def _call_text(line: CallLine, currency: str) -> str:
    calculated = short_money(line.calculated, currency)
    if line.call is None:
        return f"calculated {calculated}; no call yet (`/forecast 250k` makes one)"
    return (
        f"calculated {calculated} · call {short_money(line.call.amount, currency)} "
        f"({esc(line.call.by)}, {line.call.at:%Y-%m-%d})"
    )


def _part(title: str, lines: list[str], empty: str) -> list[Block]:
    return [section(piece) for piece in chunks([f"*{title}*", *(lines or [f"_{empty}_"])])]


def home_blocks(home: Home) -> list[Block]:
    currency = home.currency
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Pipeline council · {home.period}"[:150]},
        },
        section(f"*Your forecast* · {_call_text(home.forecast, currency)}"),
        DIVIDER,
    ]
    if home.accuracy is not None:
        blocks.insert(2, section(accuracy_line(home.accuracy)))
    deals = [
        f"• #{d.id} {esc(d.label)}"
        + (
            " · _snoozed_"
            if d.snoozed
            else f"  :broom: _{esc(', '.join(d.stale))}_"
            if d.stale
            else ""
        )
        for d in home.deals
    ]
    if home.more_deals:
        deals.append(f"…and {home.more_deals} more: `/deal list`")
    blocks += _part("Your open deals this quarter", deals, "No open deals closing this quarter.")
    gaps = [f"• {esc(d.name)}: lacks {esc(', '.join(d.missing))}" for d in home.gaps]
    blocks += _part(
        "Forecast questions to answer", gaps, "Every Commit and Best Case deal is answered."
    )
    if home.gaps:
        blocks.append(context("`/forecast questions` lists them with checkboxes."))
    actions = [f"• {action_line(a)}" for a in home.actions]
    blocks += _part("Your open actions", actions, "No open actions.")
    if home.team is not None:
        team = home.team
        blocks.append(DIVIDER)
        blocks.append(section("*Your team*"))
        rows = [
            [
                line.label,
                short_money(line.calculated, currency),
                short_money(line.call.amount, currency) if line.call else "–",
            ]
            for line in team.forecast
        ]
        if rows:
            table = tabulate(rows, headers=["rep", "calculated", "call"], disable_numparse=True)
            blocks.append(section("*Forecast calls*\n" + fenced(table)))
        if team.cleanup.rows:
            blocks.append(section("\n".join(team_lines(team.cleanup))))
        blocks += [section(piece) for piece in chunks(summary_lines(team.answers))]
        for total in team.councils:
            cells = " · ".join(
                f"{HEADERS[name]} {cell_text(name, getattr(total.total, name), currency)}"
                for name in COLUMNS
            )
            blocks.append(section(f"*{esc(total.council)}* total: {cells}"))
    blocks.append(context("Updated each time you open this tab. `/deal help`, `/forecast help`"))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("More than fits here; the commands show all.")]
    return blocks


def home_view(home: Home) -> dict[str, Any]:
    """The view `views.publish` takes."""
    return {"type": "home", "blocks": home_blocks(home)}
