"""/council's replies: people and the workspace's settings."""

from __future__ import annotations

import calendar

from tabulate import tabulate

from bot.render.blocks import (
    BLOCK_LIMIT,
    Message,
    channel_link,
    chunks,
    esc,
    fenced,
    render,
    section,
)
from commands.councils.command import PeopleList, TargetList, WorkspaceSettings
from commands.councils.meeting import CouncilList


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


@render.register
def _(result: TargetList) -> Message:
    if not result.targets:
        text = f"No targets for {result.period} yet: `/council target {result.period} ...`"
        return Message(text, [section(esc(text))])
    rows = [(t.dimension, t.value, t.metric, t.amount) for t in result.targets]
    table = tabulate(rows, headers=["dimension", "value", "metric", "amount"])
    return Message(
        f"Targets for {result.period}",
        [section(f"*Targets for {result.period}*\n" + fenced(table))],
    )


@render.register
def _(result: CouncilList) -> Message:
    if not result.councils:
        text = "No councils yet: `/council create #channel`."
        return Message(text, [section(esc(text))])
    lines = ["*Councils*"]
    for c in result.councils:
        when = (
            "paused" + (f" ({c.paused_reason})" if c.paused_reason else "")
            if c.paused
            else (f"next {c.next_digest:%a %Y-%m-%d %H:%M %Z}" if c.next_digest else "")
        )
        lines.append(
            f"• *{esc(c.name)}* in {channel_link(c.channel)}: {c.day} {c.time} {esc(c.timezone)}, "
            f"{', '.join(c.dimensions)}, owners for {c.owners_for} "
            f"(at most {c.owners_max} rows); {esc(when)}"
        )
    return Message(f"{len(result.councils)} councils", [section(p) for p in chunks(lines)])
