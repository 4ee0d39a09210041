"""Results as Block Kit messages and modals. Every piece of user text is escaped here."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from typing import Any

from tabulate import tabulate

from commands.council import PeopleList, WorkspaceSettings
from commands.deal_results import DealCard, DealForm, DealList, DealSaved, DealView, FormErrors
from commands.formatting import day, money
from commands.results import Choice, Duplicate, Help, Notice, Problem, Refused
from commands.workspace import DIMENSIONS

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
DEAL_FORM = "deal_form"
FOLLOW_STAGE = "auto"
ANSWER_MARKS = {True: "✅", False: "❌", None: "⬜"}
Block = dict[str, Any]


def esc(text: object) -> str:
    """User text made inert in mrkdwn: no mentions, links or broadcasts."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Message:
    """A reply: a plain-text fallback and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Modal:
    """A form to open: Slack's view payload."""

    view: dict[str, Any]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:2000]} for t in texts]}


def button(label: str, action_id: str, value: str, *, primary: bool = False) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75], "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if primary:
        element["style"] = "primary"
    return element


def chunks(lines: list[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Lines packed into texts of at most `limit` characters each."""
    packed: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            packed.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        packed.append(current)
    return packed


def first_page(pages: list[Message], shown: int, total: int) -> Message:
    """The first of a long list's messages, for a reply, saying how many are left out."""
    first = pages[0]
    if len(pages) > 1:
        first.blocks.append(
            context(f"…and {total - shown} more deals; the weekly DM lists them all.")
        )
    return first


@singledispatch
def render(result: object) -> Message | Modal:
    """The message (or modal) that shows `result`."""
    raise TypeError(f"no rendering for {type(result).__name__}")


@render.register
def _(result: Problem) -> Message:
    text = f":warning: {esc(result.message)}"
    blocks = [section(text)]
    if result.example:
        blocks.append(context(f"For example: `{esc(result.example)}`"))
    return Message(f"{result.message}", blocks)


@render.register
def _(result: Refused) -> Message:
    text = f":no_entry: {esc(result.message)}"
    return Message(result.message, [section(text), context(f"Who can: {esc(result.who_can)}")])


@render.register
def _(result: Notice) -> Message:
    return Message(result.text, [section(esc(result.text))])


@render.register
def _(result: Duplicate) -> Message:
    return Message(result.text, [section(esc(result.text))])


@render.register
def _(result: Help) -> Message:
    # Help texts are ours and already mrkdwn, so they are not escaped.
    return Message(
        f"{result.title} help", [section(part) for part in chunks(result.text.split("\n"))]
    )


@render.register
def _(result: Choice) -> Message:
    blocks = [section(f":mag: {esc(result.prompt)}")]
    if result.options:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button(o.label, o.action, o.value, primary=o.primary) for o in result.options
                ],
            }
        )
    if result.more:
        blocks.append(context(f"…and {result.more} more: use more of the name to narrow it."))
    return Message(result.prompt, blocks)


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
    return {"type": "actions", "elements": [button("Edit", "deal.pick", value)]}


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


@render.register
def _(result: PeopleList) -> Message:
    rows = [(p.name, p.role, p.manager) for p in result.people]
    table = tabulate(rows, headers=["person", "role", "manager"])
    blocks = [section(f"```{esc(part)}```") for part in chunks(table.split("\n"), 2900)]
    return Message(f"{len(rows)} people", blocks[:BLOCK_LIMIT])


@render.register
def _(result: WorkspaceSettings) -> Message:
    month = calendar.month_name[result.fiscal_start]
    head = ":white_check_mark: Saved." if result.changed else "*Workspace settings*"
    lines = [
        head,
        f"Fiscal year starts in {month} (`fiscal_start={result.fiscal_start}`)",
        f"Currency `{esc(result.currency)}`, time zone `{esc(result.timezone)}`",
        f"A deal is stale after {result.stale_days} days without an update",
        "Actions for red cells: " + esc(", ".join(result.actions)),
        esc(result.nudges),
    ]
    rows = [(s.name, s.category, f"{s.probability}%", s.status) for s in result.stages]
    table = tabulate(rows, headers=["stage", "category", "probability", "open/won/lost"])
    return Message(lines[0], [section("\n".join(lines)), section(f"```{esc(table)}```")])


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


@render.register
def _(result: FormErrors) -> Message:
    lines = [f"{key}: {message}" for key, message in result.errors.items()]
    return Message("\n".join(lines), [section(":warning: " + esc("\n".join(lines)))])


def form_values(state: dict[str, Any]) -> dict[str, str]:
    """What was entered in the deal form, field by field, as text the use case reads."""
    values: dict[str, str] = {}
    for key, actions in state.get("values", {}).items():
        action = actions.get("value") or {}
        kind = action.get("type")
        if kind == "static_select":
            selected = action.get("selected_option") or {}
            values[key] = selected.get("value", "")
        elif kind == "datepicker":
            values[key] = action.get("selected_date") or ""
        elif kind == "users_select":
            user = action.get("selected_user")
            if user:
                values[key] = f"<@{user}>"
        else:
            values[key] = action.get("value") or ""
    return values


# The APM's renderings register themselves with `render` when imported.
from bot import actions_render, apm_render, cleanup_render, forecast_render  # noqa: E402,F401
