"""Clean your room as Slack shows it: stale deals with Fix and Snooze, the snooze form, a
manager's totals."""

from __future__ import annotations

import json

from tabulate import tabulate

from bot.render.blocks import (
    Block,
    Message,
    Modal,
    button,
    context,
    esc,
    fenced,
    first_page,
    render,
    section,
)
from commands.cleanup import SNOOZE_FORM, CleanRoom, SnoozeForm, TeamRoom
from commands.deals.results import DEAL_PICK, DEAL_SNOOZE

DEALS_PER_MESSAGE = 22


def _deal_blocks(deal_id: int, label: str, reasons: tuple[str, ...]) -> list[Block]:
    value = json.dumps({"deal": deal_id, "op": "edit"})
    return [
        section(f"*{esc(label)}*\n:broom: {esc(', '.join(reasons))}"),
        {
            "type": "actions",
            "block_id": f"room:{deal_id}",
            "elements": [
                button("Fix", DEAL_PICK, value, primary=True),
                button("Snooze", DEAL_SNOOZE, json.dumps({"deal": deal_id})),
            ],
        },
    ]


def room_messages(result: CleanRoom) -> list[Message]:
    """The stale deals, 22 to a message (Slack allows 50 blocks), each with its buttons."""
    if not result.deals:
        return [Message(result.empty, [section(esc(result.empty))])]
    messages = []
    for start in range(0, len(result.deals), DEALS_PER_MESSAGE):
        blocks: list[Block] = []
        if start == 0:
            blocks.append(section(f"*{esc(result.title)}* ({len(result.deals)})"))
        for deal in result.deals[start : start + DEALS_PER_MESSAGE]:
            blocks.extend(_deal_blocks(deal.id, deal.label, deal.reasons))
        messages.append(Message(f"{result.title}: {len(result.deals)}", blocks))
    if result.snoozed:
        notes = [
            f"{esc(s.name)}: until {s.until.isoformat()}, {esc(s.reason)}" for s in result.snoozed
        ]
        messages[-1].blocks.append(context("Snoozed: " + "; ".join(notes)))
    messages[-1].blocks.append(
        context("Fix opens the deal; Snooze stops this nudge until a date, with a reason.")
    )
    return messages


@render.register
def _(result: CleanRoom) -> Message:
    return first_page(room_messages(result), DEALS_PER_MESSAGE, len(result.deals))


def team_lines(result: TeamRoom) -> list[str]:
    rows = [
        (
            row.name,
            row.stale,
            row.reasons.get("past close", 0),
            row.reasons.get("no update", 0),
            row.reasons.get("missing fields", 0),
            row.snoozed,
        )
        for row in result.rows
    ]
    table = tabulate(
        rows, headers=["rep", "stale", "past close", "no update", "missing", "snoozed"]
    )
    return [f"*{esc(result.title)}*: {result.stale} in all", fenced(table)]


@render.register
def _(result: TeamRoom) -> Message:
    return Message(f"{result.title}: {result.stale}", [section("\n".join(team_lines(result)))])


@render.register
def _(result: SnoozeForm) -> Modal:
    why = ", ".join(result.reasons) or "nothing right now"
    view = {
        "type": "modal",
        "callback_id": SNOOZE_FORM,
        "title": {"type": "plain_text", "text": "Snooze nudges"},
        "submit": {"type": "plain_text", "text": "Snooze"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"deal": result.deal_id}),
        "blocks": [
            section(f"*{esc(result.deal_name)}* is stale: {esc(why)}."),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why"},
                "hint": {"type": "plain_text", "text": "e.g. champion on leave until 1/10"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 300},
            },
            {
                "type": "input",
                "block_id": "until",
                "label": {"type": "plain_text", "text": "Nudge me again on"},
                "element": {"type": "datepicker", "action_id": "value"},
            },
        ],
    }
    return Modal(view)
