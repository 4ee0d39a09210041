"""/deal's replies and the deal form."""

from __future__ import annotations

import json
from datetime import datetime

from bot.render.blocks import (
    BLOCK_LIMIT,
    Block,
    Message,
    Modal,
    button,
    chunks,
    context,
    esc,
    render,
    section,
)
from commands.deals.results import (
    DEAL_FORM,
    DEAL_PICK,
    DealCard,
    DealForm,
    DealList,
    DealSaved,
    DealView,
)
from commands.formatting import day, money
from commands.workspace import DIMENSIONS

FOLLOW_STAGE = "auto"
ANSWER_MARKS = {True: "✅", False: "❌", None: "⬜"}


def deal_lines(deal: DealView) -> list[str]:
    """A deal's fields as `*label:* value` lines."""
    category = deal.category + ("" if deal.category_is_explicit else " (follows stage)")
    pairs = [
        ("Stage", deal.stage),
        ("Amount", money(deal.amount, deal.currency)),
        ("Close", day(deal.close_date)),
        ("Category", category),
        ("Owner", deal.owner),
        ("Account", deal.account or "–"),
        ("Next step", deal.next_step or "–"),
    ]
    pairs += [(dim.capitalize(), getattr(deal, dim) or "–") for dim in DIMENSIONS]
    pairs.append(("Campaign", deal.campaign or "–"))
    return [f"*{label}:* {esc(value)}" for label, value in pairs]


def deal_fields_block(deal: DealView) -> Block:
    lines = deal_lines(deal)
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": line[:2000]} for line in lines[:10]],
    }


def _title(deal: DealView) -> str:
    ref = f"#{deal.id}" + (f" · {esc(deal.external_id)}" if deal.external_id else "")
    return f"*{esc(deal.name)}*  ({ref})"


def _edit_button(deal: DealView) -> Block:
    value = json.dumps({"deal": deal.id, "op": "edit"})
    return {"type": "actions", "elements": [button("Edit", DEAL_PICK, value)]}


@render.register
def _(result: DealSaved) -> Message:
    deal = result.deal
    if result.created:
        headline = f":white_check_mark: Created {_title(deal)}"
    elif result.unchanged:
        headline = f":ballot_box_with_check: No change: {_title(deal)} already says that."
    else:
        changes = "; ".join(f"{c.label} {esc(c.old)} → {esc(c.new)}" for c in result.changes)
        headline = f":white_check_mark: Updated {_title(deal)}: {changes}"
    blocks = [section(headline), deal_fields_block(deal)]
    if result.notes:
        blocks.append(context(*(esc(note) for note in result.notes[:10])))
    blocks.append(_edit_button(deal))
    fallback = headline.replace("*", "")
    return Message(fallback, blocks)


@render.register
def _(result: DealCard) -> Message:
    deal = result.deal
    blocks = [section(_title(deal)), deal_fields_block(deal)]
    extra = deal_lines(deal)[10:]
    if deal.stale:
        extra.append(":broom: " + esc(", ".join(deal.stale)))
    if result.snoozed:
        until, why = result.snoozed
        extra.append(f"Nudges snoozed until {until.isoformat()}: {esc(why)}")
    if result.answers:
        extra.append(
            "*Forecast questions:* "
            + " · ".join(
                f"{ANSWER_MARKS[a.answer]} {esc(a.question.short)}" for a in result.answers
            )
        )
    if extra:
        blocks.append(section("\n".join(extra)))
    answered = [a for a in result.answers if a.at is not None]
    if answered:
        last = max(answered, key=lambda a: a.at or datetime.min)
        blocks.append(
            context(f"Last answered {last.at:%Y-%m-%d %H:%M} UTC by {esc(last.by or 'someone')}")
        )
    history = [
        f"{entry.at:%Y-%m-%d %H:%M} UTC · {esc(entry.who)} via {entry.via}: "
        + "; ".join(
            f"created in {esc(c.new)}"
            if c.label == "created"
            else f"{c.label} {esc(c.old)} → {esc(c.new)}"
            for c in entry.changes
        )
        for entry in result.history
    ]
    if history:
        blocks.append(context(*history))
    if result.can_edit:
        blocks.append(_edit_button(deal))
    return Message(f"{deal.name}: {deal.stage}, {money(deal.amount, deal.currency)}", blocks)


@render.register
def _(result: DealList) -> Message:
    if not result.deals:
        return Message(result.empty, [section(f"*{esc(result.title)}*\n{esc(result.empty)}")])
    lines = []
    for deal in result.deals:
        line = f"• #{deal.id} {esc(deal.label)}"
        if deal.stale:
            line += f"  :broom: _{esc(', '.join(deal.stale))}_"
        lines.append(line)
    title = f"*{esc(result.title)}* ({len(result.deals)}{'+' if result.more else ''})"
    blocks = [section(part) for part in chunks([title, *lines])][: BLOCK_LIMIT - 1]
    if result.more:
        blocks.append(context("More than shown: narrow it with `/deal find`."))
    return Message(f"{result.title}: {len(result.deals)}", blocks)


# The form ----------------------------------------------------------------------------


def _text_input(
    key: str,
    label: str,
    initial: str | None,
    *,
    optional: bool = True,
    hint: str = "",
    multiline: bool = False,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    block: Block = {
        "type": "input",
        "block_id": key,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint[:2000]}
    return block


def _option(text: str, value: str | None = None) -> Block:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": (value or text)[:150]}


def _select(key: str, label: str, options: list[Block], initial: Block | None) -> Block:
    element: Block = {"type": "static_select", "action_id": "value", "options": options[:100]}
    if initial is not None:
        element["initial_option"] = initial
    return {
        "type": "input",
        "block_id": key,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


@render.register
def _(result: DealForm) -> Modal:
    deal = result.deal
    stages = [_option(name) for name in result.stages]
    current_stage = deal.stage if deal else result.stages[0]
    categories = [_option("Follow the stage", FOLLOW_STAGE)] + [
        _option(c) for c in result.categories
    ]
    current_category = (
        _option(deal.category) if deal and deal.category_is_explicit else categories[0]
    )
    close: Block = {"type": "datepicker", "action_id": "value"}
    if deal and deal.close_date:
        close["initial_date"] = deal.close_date.isoformat()
    blocks = [
        _text_input("name", "Deal name", deal.name if deal else result.name, optional=False),
        _text_input("account", "Account", deal.account if deal else None),
        _select("stage", "Stage", stages, _option(current_stage)),
        _text_input(
            "amount",
            "Amount (ACV)",
            f"{deal.amount:.2f}" if deal and deal.amount is not None else None,
            hint="120k, $1.2M or 1,200,000",
        ),
        {
            "type": "input",
            "block_id": "close",
            "optional": True,
            "label": {"type": "plain_text", "text": "Close date"},
            "element": close,
        },
        _text_input("next", "Next step", deal.next_step if deal else None, multiline=True),
        _select("category", "Forecast category", categories, current_category),
    ]
    for dim in DIMENSIONS:
        known = result.known_values.get(dim, [])
        hint = ("Known: " + ", ".join(known)) if known else "Any value; new ones are added"
        blocks.append(
            _text_input(dim, dim.capitalize(), getattr(deal, dim) if deal else None, hint=hint)
        )
    if result.can_set_owner:
        owner: Block = {"type": "users_select", "action_id": "value"}
        if deal and deal.owner_user_id:
            owner["initial_user"] = deal.owner_user_id
        blocks.append(
            {
                "type": "input",
                "block_id": "owner",
                "optional": True,
                "label": {"type": "plain_text", "text": "Owner"},
                "element": owner,
            }
        )
    view = {
        "type": "modal",
        "callback_id": DEAL_FORM,
        "title": {"type": "plain_text", "text": "Edit deal" if deal else "New deal"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"deal": deal.id if deal else None}),
        "blocks": blocks,
    }
    return Modal(view)
