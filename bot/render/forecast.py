"""Forecast calls and forecast questions as Slack shows them."""

from __future__ import annotations

from tabulate import tabulate

from bot.render.blocks import (
    BLOCK_LIMIT,
    Block,
    Message,
    chunks,
    context,
    esc,
    fenced,
    first_page,
    render,
    section,
)
from commands.checklist import (
    CHECKLIST_ANSWER,
    CHECKLIST_BLOCK,
    AnswerSaved,
    Checklist,
    ChecklistDeal,
    ChecklistSummary,
    Count,
    QuestionList,
    notice_of,
)
from commands.forecast import CallEntry, ForecastBoard
from commands.formatting import short_money

# A deal takes two blocks; the rest of a message's 50 is its title and notes.
DEALS_PER_MESSAGE = 22


def _call(entry: CallEntry | None, currency: str) -> str:
    return "–" if entry is None else short_money(entry.amount, currency)


def _who(entry: CallEntry | None) -> str:
    return "" if entry is None else f"{entry.by}, {entry.at:%Y-%m-%d}"


@render.register
def _(result: ForecastBoard) -> Message:
    rows = [
        [
            line.label + (" ✎" if line.overrides and line.call else ""),
            short_money(line.calculated, result.currency),
            _call(line.call, result.currency),
            _who(line.call),
        ]
        for line in result.lines
    ]
    table = tabulate(rows, headers=["", "Calculated", "Call", "Called by"], disable_numparse=True)
    title = f"Forecast calls · {result.period}"
    blocks: list[Block] = []
    if result.saved:
        blocks.append(section(f":white_check_mark: {esc(result.saved)}"))
    blocks.append(section(f"*{esc(title)}*\n" + fenced(table)))
    if result.detailed:
        history = [
            f"{entry.at:%Y-%m-%d %H:%M} UTC · {esc(entry.by)}: "
            + ("withdrew the call" if entry.amount is None else _call(entry, result.currency))
            for line in result.lines
            for entry in line.history
        ]
        if history:
            blocks.append(context(*history[:10]))
    blocks.append(
        context(
            "Calculated: closed plus Commit deals closing in the period. ✎ a manager's call, "
            "which replaces the forecast in the APM. `/forecast help` says how to call."
        )
    )
    return Message(result.saved or title, blocks)


def _deal_blocks(deal: ChecklistDeal, checklist: Checklist) -> list[Block]:
    options = [
        {"text": {"type": "plain_text", "text": q.text[:75]}, "value": q.key}
        for q in checklist.questions
    ]
    element: Block = {"type": "checkboxes", "action_id": CHECKLIST_ANSWER, "options": options}
    ticked = [
        o for o, q in zip(options, checklist.questions, strict=True) if deal.answers.get(q.key)
    ]
    if ticked:
        element["initial_options"] = ticked
    return [
        section(f"*{esc(deal.label)}*"),
        {"type": "actions", "block_id": f"{CHECKLIST_BLOCK}{deal.id}", "elements": [element]},
    ]


def checklist_messages(checklist: Checklist) -> list[Message]:
    """The checklist as messages of at most 22 deals each (Slack allows 50 blocks)."""
    if not checklist.deals:
        return [Message(checklist.empty, [section(esc(checklist.empty))])]
    messages = []
    for start in range(0, len(checklist.deals), DEALS_PER_MESSAGE):
        page = checklist.deals[start : start + DEALS_PER_MESSAGE]
        blocks = [section(f"*{esc(checklist.title)}*")] if start == 0 else []
        for deal in page:
            blocks.extend(_deal_blocks(deal, checklist))
        if start == 0:
            blocks.append(
                context("Tick what is true; each tick is saved at once and kept with the deal.")
            )
        messages.append(Message(checklist.title, blocks))
    return messages


@render.register
def _(result: Checklist) -> Message:
    return first_page(checklist_messages(result), DEALS_PER_MESSAGE, len(result.deals))


def _counts(counts: list[Count]) -> str:
    return " · ".join(f"{esc(c.name)} {c.complete}/{c.committed}" for c in counts)


def summary_lines(result: ChecklistSummary) -> list[str]:
    """The summary as lines: totals, per rep and per cell, then each deal's gaps."""
    lines = [
        f"*{esc(result.title)}* · {result.period}: {result.complete} of {result.committed} "
        f"Commit deals closing this quarter have all {result.questions} questions answered yes."
    ]
    if result.by_rep:
        lines.append("By rep: " + _counts(result.by_rep))
    for dimension, counts in result.by_cell.items():
        if counts:
            lines.append(f"By {dimension}: " + _counts(counts))
    if result.gaps_by_category:
        # The list below counts Best Case deals too: say so, so the count above and the
        # list agree.
        total = sum(result.gaps_by_category.values())
        parts = ", ".join(f"{n} {category}" for category, n in result.gaps_by_category.items())
        lines.append(
            f"{total} Commit and Best Case deals closing this quarter have gaps ({parts}):"
        )
    for deal in result.gaps:
        lines.append(
            f"• {esc(deal.name)} ({esc(deal.owner)}, {deal.category}): "
            f"lacks {esc(', '.join(deal.missing))}"
        )
    if result.more_gaps:
        lines.append(f"…and {result.more_gaps} more deals with gaps.")
    return lines


@render.register
def _(result: ChecklistSummary) -> Message:
    blocks = [section(part) for part in chunks(summary_lines(result))][:BLOCK_LIMIT]
    return Message(f"{result.title}: {result.complete}/{result.committed}", blocks)


@render.register
def _(result: AnswerSaved) -> Message:
    notice = notice_of(result)
    return Message(notice.text, [section(f":white_check_mark: {esc(notice.text)}")])


@render.register
def _(result: QuestionList) -> Message:
    head = ":white_check_mark: Saved. " if result.changed else ""
    lines = [f"{head}*Forecast questions* (Commit and Best Case deals answer them weekly)"]
    lines += [f"• `{q.key}` *{esc(q.short)}*: {esc(q.text)}" for q in result.questions]
    lines.append('_`/council questions default|meddicc`, `add "Short: question?"`, `remove KEY`_')
    return Message("Forecast questions", [section("\n".join(lines))])
