"""A council's daily pipeline generation post."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from bot.render.apm import dot
from bot.render.blocks import Block, context, fenced, inert, section
from commands.councils.daily import DailyPipegen
from commands.formatting import money, short_money


def daily_blocks(daily: DailyPipegen) -> list[Block]:
    c = daily.currency
    if daily.target is None:
        pace = "no pipeline generation target for the total (`/council target ... total pipegen`)"
    else:
        pace = (
            f"{dot(daily.color)} {short_money(daily.quarter_to_date, c)} of "
            f"{short_money(daily.target, c)}; the pace the target needs by now is "
            f"{short_money(daily.pace, c)}"
        )
    blocks = [
        section(
            f"*Daily pipeline generation · {inert(daily.council)} · {daily.day:%a %Y-%m-%d}*\n"
            f"Yesterday: *{money(daily.yesterday, c)}* from {len(daily.deals) + daily.more} "
            f"new deals · {daily.period.label} so far: {pace}"
        )
    ]
    for dimension, values in daily.by_dimension.items():
        if values:
            rows = [[inert(v), money(a, c)] for v, a in values.items()]
            blocks.append(section(fenced(tabulate(rows, headers=[dimension, "yesterday"]))))
    if daily.deals:
        lines = [
            f"• {inert(d.name)} ({inert(d.owner)}): {money(d.amount, c)} · "
            + " · ".join(inert(v) for v in d.values.values())
            for d in daily.deals
        ]
        if daily.more:
            lines.append(f"… and {daily.more} more")
        blocks.append(section("*The deals behind it*\n" + "\n".join(lines)))
    blocks.append(context("Pipeline generation: deals created that day, whatever their stage now."))
    return blocks


def daily_payload(daily: DailyPipegen) -> dict[str, Any]:
    text = f"Daily pipeline generation {daily.council}, {daily.day.isoformat()}"
    return {
        "channel": daily.channel,
        "messages": [{"kind": "message", "text": text, "blocks": daily_blocks(daily)}],
        "cells": [],
    }
