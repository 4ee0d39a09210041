"""Campaigns as Slack shows them (`/campaign`), and as `council campaigns --json` prints
them (SPEC section 8)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.render.blocks import Message, chunks, context, esc, render, section
from commands.campaigns.command import CampaignChanged
from commands.campaigns.figures import CampaignFigures, CampaignLine, Figures, fraction
from commands.campaigns.reading import CampaignShown
from commands.formatting import money, short_money

CENT = Decimal("0.01")
LISTED = 60


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "members": figures.members,
        "responded": figures.responded,
        "response_rate": fraction(figures.response_rate),
        "opportunities": figures.opportunities,
        "pipeline": _money(figures.pipeline),
        "won": _money(figures.won),
        "actual_cost": _money(figures.actual_cost),
        "cost_per_opportunity": _money(figures.cost_per_opportunity),
        "roi": fraction(figures.roi),
    }


def campaigns_json(result: CampaignFigures) -> dict[str, Any]:
    """SPEC section 8's `council campaigns --json`."""
    by_id = {line.id: line for line in result.campaigns}

    def parent(line: CampaignLine) -> str | None:
        above = by_id.get(line.parent_id) if line.parent_id is not None else None
        return above.shown_id if above is not None else None

    return {
        "period": result.period.label if result.period else None,
        "as_of": result.as_of.isoformat(),
        "campaigns": [
            {
                "id": line.shown_id,
                "name": line.name,
                "type": line.type,
                "parent": parent(line),
                **figures_json(line.own),
                "with_children": figures_json(line.with_children),
            }
            for line in result.campaigns
        ],
    }


def percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def roi_text(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.0f}%"


def figures_text(f: Figures, currency: str) -> str:
    """`120 members, 30 responded (25.0%) · 4 opps · $80k pipeline · $40k won · $2,500 per
    opp · ROI +300%`."""
    cost = f.cost_per_opportunity
    per_opp = money(cost, currency) if cost is not None else "n/a"
    opps = "opp" if f.opportunities == 1 else "opps"
    return (
        f"{f.members:,} members, {f.responded:,} responded ({percent(f.response_rate)}) · "
        f"{f.opportunities:,} {opps} · {short_money(f.pipeline, currency)} pipeline · "
        f"{short_money(f.won, currency)} won · "
        f"{per_opp} per opp · ROI {roi_text(f.roi)}"
    )


def _scope(result: CampaignFigures) -> str:
    period = result.period.label if result.period else "all time"
    return f"{period}, as of {result.as_of:%Y-%m-%d %H:%M %Z}"


@render.register
def _(result: CampaignFigures) -> Message:
    if not result.campaigns:
        text = "No campaigns yet: `council import campaigns FILE.csv`, or `/campaign create NAME`."
        return Message(text, [section(esc(text))])
    lines = [f"*Campaigns* ({esc(_scope(result))})"]
    # Parents before their children, each child indented under its parent.
    by_parent: dict[int | None, list[CampaignLine]] = {}
    known = {line.id for line in result.campaigns}
    for line in result.campaigns:
        top = line.parent_id if line.parent_id in known else None
        by_parent.setdefault(top, []).append(line)
    ordered: list[tuple[int, CampaignLine]] = []

    def walk(parent: int | None, depth: int, seen: set[int]) -> None:
        for line in by_parent.get(parent, []):
            if line.id not in seen:
                seen.add(line.id)
                ordered.append((depth, line))
                walk(line.id, depth + 1, seen)

    walk(None, 0, set())
    for depth, line in ordered[:LISTED]:
        kind = f" ({esc(line.type)})" if line.type else ""
        rolled = ""
        if line.with_children != line.own:
            rolled = f"\n{'    ' * depth}    ↳ with children: " + esc(
                figures_text(line.with_children, result.currency)
            )
        lines.append(
            f"{'    ' * depth}• *{esc(line.name)}*{kind}: "
            f"{esc(figures_text(line.own, result.currency))}{rolled}"
        )
    blocks = [section(p) for p in chunks(lines)]
    if len(ordered) > LISTED:
        blocks.append(
            context(f"… and {len(ordered) - LISTED} more: `council campaigns --json` has all.")
        )
    blocks.append(context("`/campaign show NAME` for one campaign's members by status."))
    return Message(f"{len(result.campaigns)} campaigns", blocks)


@render.register
def _(result: CampaignShown) -> Message:
    line, figures = result.line, result.figures
    currency = figures.currency
    head = f"*{esc(line.name)}*"
    facts = [
        part
        for part in (
            esc(line.type) if line.type else "",
            esc(result.campaign_status) if result.campaign_status else "",
            f"{result.start or '…'} to {result.end or '…'}" if result.start or result.end else "",
            f"budget {money(Decimal(result.budgeted_cost), currency)}"
            if result.budgeted_cost
            else "",
            f"actual cost {money(line.own.actual_cost, currency)}"
            if line.own.actual_cost is not None
            else "no actual cost",
        )
        if part
    ]
    own = line.own
    lines = [
        f"{head} ({esc(_scope(figures))})",
        " · ".join(facts),
        "",
        f"*Members by status* ({own.members:,} in all)",
    ]
    for status in result.statuses:
        marks = ("responded" if status.has_responded else "") + (
            ", default" if status.is_default else ""
        )
        lines.append(
            f"• {esc(status.label)}: {status.members:,}"
            + (f" _({marks.strip(', ')})_" if marks else "")
        )
    cost = own.cost_per_opportunity
    lines += [
        "",
        f"*Response rate* {percent(own.response_rate)} ({own.responded:,} of {own.members:,})",
        f"*Opportunities* {own.opportunities:,} · *pipeline* {money(own.pipeline, currency)}"
        f" · *won* {money(own.won, currency)}",
        f"*Cost per opportunity* {money(cost, currency) if cost is not None else 'n/a'}"
        f" · *ROI* {roi_text(own.roi)}",
    ]
    if result.ancestors:
        lines += ["", "*Part of* " + " › ".join(esc(a.name) for a in result.ancestors)]
    if result.descendants:
        lines += ["", "*With its children* " + esc(figures_text(line.with_children, currency))]
        base = line.depth + 1
        for child in result.descendants[:LISTED]:
            indent = "    " * (child.depth - base)
            lines.append(
                f"{indent}• *{esc(child.name)}*: {esc(figures_text(child.with_children, currency))}"
            )
    blocks = [section(p) for p in chunks(lines)]
    blocks.append(
        context(
            "ROI = (won − actual cost) / actual cost. "
            "`/campaign member NAME MEMBER STATUS` changes a member's status."
        )
    )
    return Message(f"Campaign {line.name}", blocks)


@render.register
def _(result: CampaignChanged) -> Message:
    return Message(
        result.text,
        [
            section("✅ " + esc(result.text)),
            context(f"`/campaign show {esc(result.campaign)}` shows it."),
        ],
    )
