"""The hand-off SLA's figures as Slack shows them, and as `council sla --json` prints them."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from tabulate import tabulate

from bot.render.apm import dot
from bot.render.blocks import (
    Block,
    Message,
    Modal,
    button,
    context,
    esc,
    fenced,
    inert,
    render,
    section,
)
from commands.formatting import short_money
from commands.sla.command import SlaShown
from commands.sla.figures import Conversion, SlaFigures, SlaReport
from commands.sla.handoff import (
    LEAD_ACCEPT,
    LEAD_REJECT,
    LEAD_REJECT_FORM,
    LeadDecided,
    LeadNotice,
    LeadView,
    RejectForm,
)

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
        f"*Feedback on rejections:* {total.feedback_in_time:,} of "
        f"{total.feedback_counted:,} within the {report.feedback_days} business-day window",
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


CAMPAIGNS_SHOWN = 10


def marketing_blocks(report: SlaReport) -> list[Block]:
    """The weekly digest's Marketing and sales section."""
    blocks = [section("*Marketing and sales*\n" + "\n".join(summary_lines(report)))]
    if report.by_source:
        blocks.append(section(fenced(conversion_table("source", report.by_source))))
    if report.by_campaign:
        biggest = sorted(report.by_campaign.items(), key=lambda kv: (-kv[1].mqls, kv[0]))
        shown = dict(biggest[:CAMPAIGNS_SHOWN])
        blocks.append(section(fenced(conversion_table("campaign", shown))))
    return blocks


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


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else f"{moment:%a %Y-%m-%d %H:%M} UTC"


def lead_facts(lead: LeadView) -> str:
    parts = [
        f"*{inert(lead.name)}*" + (f" · {inert(lead.company)}" if lead.company else ""),
        " · ".join(
            f"{label}: {inert(value)}"
            for label, value in (
                ("email", lead.email),
                ("source", lead.source),
                ("segment", lead.segment),
                ("campaign", lead.campaign),
            )
            if value
        ),
        f"MQL {_when(lead.mql_at)} · follow up within {lead.follow_up_hours} business hours: "
        f"by {_when(lead.due_at)}",
    ]
    return "\n".join(part for part in parts if part)


def _owner(lead: LeadView) -> str:
    return f"<@{lead.owner_user_id}>" if lead.owner_user_id else inert(lead.owner)


def lead_notice_message(notice: LeadNotice) -> Message:
    """The hand-off, a lead returned to marketing, a reminder, a breach, and a rejection's
    feedback: asked, reminded, and its window run out."""
    lead = notice.lead
    if notice.kind == "handoff":
        text = f"New MQL for {_owner(lead)}: {inert(lead.name)}. Accept or reject it."
        value = str(lead.id)
        return Message(
            text,
            [
                section(f"{text}\n{lead_facts(lead)}"),
                {
                    "type": "actions",
                    "block_id": f"lead-{lead.id}",
                    "elements": [
                        button("Accept", LEAD_ACCEPT, value, primary=True),
                        button("Reject", LEAD_REJECT, value),
                    ],
                },
            ],
        )
    if notice.kind == "returned":
        missing = ", ".join(notice.missing)
        text = (
            f"Returned to marketing, not handed off: {inert(lead.name)} has no {missing}, "
            "which the SLA requires before hand-off. Fill it in and import the lead again."
        )
        return Message(text, [section(f"{text}\n{lead_facts(lead)}")])
    if notice.kind == "reminder":
        text = (
            f"Reminder: {inert(lead.name)} is waiting for you to accept or reject it; the "
            f"follow-up time runs out {_when(lead.due_at)}."
        )
        return Message(text, [section(text)])
    if notice.kind in ("feedback", "feedback_reminder"):
        first = notice.kind == "feedback"
        text = (
            f"{'' if first else 'Reminder: '}{inert(lead.name)} was rejected "
            f"{_when(lead.rejected_at)}: tell marketing why by {_when(lead.feedback_due_at)} "
            f"(the SLA gives {lead.feedback_days} business days)."
        )
        reason = button("Give the reason", LEAD_REJECT, str(lead.id), primary=True)
        return Message(
            text,
            [
                section(f"{text}\n{lead_facts(lead)}" if first else text),
                {"type": "actions", "block_id": f"lead-{lead.id}", "elements": [reason]},
            ],
        )
    if notice.kind in ("feedback_late", "feedback_late_manager"):
        text = (
            f"No feedback on a rejected lead: {_owner(lead)} rejected {inert(lead.name)} "
            f"{_when(lead.rejected_at)} and gave marketing no reason within the "
            f"{lead.feedback_days} business days the SLA allows (they ran out "
            f"{_when(lead.feedback_due_at)})."
        )
        return Message(text, [section(f"{text}\n{lead_facts(lead)}")])
    text = (
        f"SLA breached: {_owner(lead)} has not followed up {inert(lead.name)} "
        f"(MQL {_when(lead.mql_at)}) within {lead.follow_up_hours} business hours; the time "
        f"ran out {_when(lead.due_at)}."
    )
    return Message(text, [section(f"{text}\n{lead_facts(lead)}")])


def rejection_message(result: LeadDecided) -> Message:
    """What marketing's channel hears of a rejected lead."""
    lead = result.lead
    said = f" ({inert(result.detail)})" if result.detail else ""
    text = (
        f"Lead rejected by {inert(result.by)}: {inert(lead.name)}: "
        f"*{inert(lead.reason or '')}*{said}"
    )
    return Message(text, [section(f"{text}\n{lead_facts(lead)}")])


@render.register
def _(result: LeadDecided) -> Message:
    lead = result.lead
    if result.accepted:
        text = f"✅ Accepted {inert(lead.name)}: it is yours now."
    else:
        told = " and told marketing" if result.marketing_channel else ""
        text = f"Rejected {inert(lead.name)} ({inert(lead.reason or '')}){told}."
    return Message(text, [section(text)])


@render.register
def _(result: RejectForm) -> Modal:
    again = result.lead.status == "rejected"
    options = [
        {"text": {"type": "plain_text", "text": reason[:75]}, "value": reason[:150]}
        for reason in result.reasons
    ]
    return Modal(
        {
            "type": "modal",
            "callback_id": LEAD_REJECT_FORM,
            # A lead rejected elsewhere is asked only for its reason.
            "title": {"type": "plain_text", "text": "Why rejected" if again else "Reject lead"},
            "submit": {"type": "plain_text", "text": "Send" if again else "Reject"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps({"lead": result.lead.id}),
            "blocks": [
                section(lead_facts(result.lead)),
                {
                    "type": "input",
                    "block_id": "reason",
                    "label": {"type": "plain_text", "text": "Why"},
                    "element": {"type": "static_select", "action_id": "value", "options": options},
                },
                {
                    "type": "input",
                    "block_id": "detail",
                    "optional": True,
                    "label": {"type": "plain_text", "text": "What marketing should know"},
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "value",
                        "multiline": True,
                    },
                },
            ],
        }
    )


@render.register
def _(result: SlaShown) -> Message:
    sla = result.sla
    days = sla.days
    weekdays = ", ".join(DAY_NAMES[d] for d in sorted(days.workdays))

    def channel(name: str) -> str:
        return name if name.startswith("#") else f"<#{name}>"

    lines = [
        f"*Follow-up time:* {sla.follow_up_hours} business hours "
        f"({days.starts:%H:%M}-{days.ends:%H:%M}, {weekdays}, in each owner's time zone)",
        f"*Feedback window for rejections:* {sla.feedback_days} business days",
        "*Required before hand-off:* " + (", ".join(sla.required_fields) or "nothing"),
        "*Rejection reasons:* " + "; ".join(inert(r) for r in sla.rejection_reasons),
        "*Marketing's channel:* "
        + (channel(sla.marketing_channel) if sla.marketing_channel else "not set"),
        "*Hand-off channel:* "
        + (channel(sla.handoff_channel) if sla.handoff_channel else "not set (owners by DM)"),
        "*MQL target:* `/council target PERIOD total mqls N` (or by source or segment)",
    ]
    title = "SLA updated" if result.changed else "The sales and marketing SLA"
    return Message(title, [section(f"*{title}*\n" + "\n".join(lines))])
