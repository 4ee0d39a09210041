"""/council's replies: people and the workspace's settings."""

from __future__ import annotations

import calendar

from tabulate import tabulate

from bot.render.blocks import BLOCK_LIMIT, Message, chunks, esc, fenced, render, section
from commands.councils.command import PeopleList, WorkspaceSettings


@render.register
def _(result: PeopleList) -> Message:
    rows = [(p.name, p.role, p.manager) for p in result.people]
    table = tabulate(rows, headers=["person", "role", "manager"])
    blocks = [section(fenced(part)) for part in chunks(table.split("\n"), 2900)]
    return Message(f"{len(rows)} people", blocks[:BLOCK_LIMIT])


@render.register
def _(result: WorkspaceSettings) -> Message:
    month = calendar.month_name[result.fiscal_start]
    head = ":white_check_mark: Saved." if result.changed else "*Workspace settings*"
    lines = [
        head,
        f"Fiscal year starts in {month} (`fiscal_start={result.fiscal_start}`)",
        f"Currency `{esc(result.currency)}`, time zone `{esc(result.timezone)}`, "
        f"locale `{esc(result.locale)}` (how dates and amounts are read)",
        f"A deal is stale after {result.stale_days} days without an update",
        "Actions for red cells: " + esc(", ".join(result.actions)),
        esc(result.nudges),
    ]
    rows = [(s.name, s.category, f"{s.probability}%", s.status) for s in result.stages]
    table = tabulate(rows, headers=["stage", "category", "probability", "open/won/lost"])
    return Message(lines[0], [section("\n".join(lines)), section(fenced(table))])
