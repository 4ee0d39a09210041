"""The hand-off SLA's figures as Slack shows them, and as `council sla --json` prints them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tabulate import tabulate

from bot.render.apm import dot
from bot.render.blocks import Message, context, esc, fenced, inert, render, section
from commands.formatting import short_money
from commands.sla.figures import Conversion, SlaFigures, SlaReport


def _hours(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.01")))


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def figures_json(figures: SlaFigures) -> dict[str, Any]:
    conversion = figures.conversion
    return {
        "mqls": figures.mqls,
        "target": figures.target,
        "color": figures.color,
        "accepted": figures.accepted,
        "rejected": figures.rejected,
        "acceptance_rate": _rate(figures.acceptance_rate),
        "median_hours": _hours(figures.median_hours),
        "p90_hours": _hours(figures.p90_hours),
        "within_sla": _rate(figures.within_sla),
        "breached": figures.breached,
        "conversion": {
            "accepted": _rate(conversion.accepted_rate),
            "converted": _rate(conversion.converted_rate),
            "won": _rate(conversion.won_rate),
        },
        "rejections": dict(figures.rejections),
    }


def sla_json(report: SlaReport) -> dict[str, Any]:
    """SPEC section 8's `council sla --json`."""
    shown: dict[str, Any] = {
        "period": report.period.label,
        "as_of": report.as_of.isoformat(),
        **figures_json(report.total),
    }
    if report.dimension is not None:
        shown["rows"] = [{"value": row.value, **figures_json(row)} for row in report.rows]
    return shown


def percent(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def hours_text(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def mqls_text(figures: SlaFigures) -> str:
    target = f" of {figures.target:,}" if figures.target is not None else " (no target)"
    return f"{dot(figures.color)} {figures.mqls:,}{target}"


def summary_lines(report: SlaReport) -> list[str]:
    """The figures a sales VP reads first, one line each."""
    total = report.total
    reasons = ", ".join(f"{inert(r)} {n}" for r, n in total.rejections.items()) or "none"
    marketing = report.marketing
    target = (
        f" of {short_money(marketing.target, report.currency)}"
        if marketing.target is not None
        else " (no target on source Marketing)"
    )
    return [
        f"*MQLs delivered:* {mqls_text(total)}",
        f"*Accepted* {total.accepted:,} · *rejected* {total.rejected:,} "
        f"(acceptance {percent(total.acceptance_rate)}) · rejections: {reasons}",
        f"*Follow-up:* median {hours_text(total.median_hours)}, p90 "
        f"{hours_text(total.p90_hours)} (business hours) · within the "
        f"{report.follow_up_hours} h SLA {percent(total.within_sla)} · "
        f"breached {total.breached:,}",
        f"*Conversion:* MQL → accepted {percent(total.conversion.accepted_rate)} → "
        f"converted {percent(total.conversion.converted_rate)} → won "
        f"{percent(total.conversion.won_rate)}",
        f"*Marketing pipeline generation:* {dot(marketing.color)} "
        f"{short_money(marketing.amount, report.currency)}{target}",
    ]


def conversion_table(title: str, groups: dict[str, Conversion]) -> str:
    rows = [
        [
            value,
            c.mqls,
            percent(c.accepted_rate),
            percent(c.converted_rate),
            percent(c.won_rate),
        ]
        for value, c in groups.items()
    ]
    return tabulate(rows, headers=[title, "MQLs", "accepted", "converted", "won"])


def figures_table(report: SlaReport) -> str:
    rows = [
        [
            f.value,
            mqls_text(f),
            f.accepted,
            f.rejected,
            hours_text(f.median_hours),
            hours_text(f.p90_hours),
            percent(f.within_sla),
            f.breached,
        ]
        for f in [*report.rows, report.total]
    ]
    headers = [report.dimension or "", "MQLs", "acc", "rej", "median", "p90", "in SLA", "breach"]
    return tabulate(rows, headers=headers)


def sla_title(report: SlaReport) -> str:
    return (
        f"Hand-off SLA · {report.period.label} · as of {report.as_of:%Y-%m-%d %H:%M %Z} · "
        f"{report.elapsed:.0%} of the quarter gone"
    )


@render.register
def _(result: SlaReport) -> Message:
    blocks = [section(f"*{esc(sla_title(result))}*"), section("\n".join(summary_lines(result)))]
    if result.dimension is not None:
        blocks.append(section(fenced(figures_table(result))))
    if result.by_source:
        blocks.append(section(fenced(conversion_table("source", result.by_source))))
    blocks.append(
        context(
            "MQLs 🟢🟡🔴 pace against the MQL target like pipeline generation; follow-up in "
            "business hours in each owner's time zone; `/sla by source`, `/sla help`."
        )
    )
    return Message(sla_title(result), blocks[:50])
