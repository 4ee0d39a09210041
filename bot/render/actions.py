"""Actions as Slack shows them: the assign form, lists, confirmations and reminders."""

from __future__ import annotations

import json

from bot.render.blocks import (
    Message,
    Modal,
    button,
    chunks,
    context,
    esc,
    inert,
    render,
    section,
)
from commands.actions.results import (
    ACTION_DONE,
    ACTION_FORM,
    ActionAssigned,
    ActionChanged,
    ActionForm,
    ActionList,
    ActionView,
    CellHistory,
    Reminder,
)

DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}


def owner_mention(action: ActionView) -> str:
    return f"<@{action.owner_user_id}>" if action.owner_user_id else esc(action.owner)


def action_line(action: ActionView) -> str:
    state = "done" if action.status == "done" else "*overdue*" if action.overdue else "open"
    snooze = f", snoozed until {action.snoozed_until}" if action.snoozed_until else ""
    return (
        f"#{action.id} {esc(action.label)} {esc(action.cell)} ({esc(action.council)}) → "
        f"{esc(action.owner)}: {esc(action.kind)}: {esc(action.description)} · due "
        f"{action.due:%a %Y-%m-%d} · {state}{snooze}"
    )


@render.register
def _(result: ActionForm) -> Modal:
    kinds = [{"text": {"type": "plain_text", "text": k}, "value": k} for k in result.kinds]
    metadata = {
        "cell": result.cell.to_json(),
        "channel": result.place.channel,
        "thread_ts": result.place.thread_ts,
        "cell_ts": result.place.cell_ts,
    }
    blocks = [
        section(f"*{esc(result.cell.title)}* · {esc(result.cell.period)}"),
        {
            "type": "input",
            "block_id": "owner",
            "label": {"type": "plain_text", "text": "Owner"},
            "element": {"type": "users_select", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Action"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": kinds,
                "initial_option": kinds[-1],
            },
        },
        {
            "type": "input",
            "block_id": "description",
            "optional": True,
            "label": {"type": "plain_text", "text": "What exactly"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "due",
            "label": {"type": "plain_text", "text": "Due"},
            "element": {
                "type": "datepicker",
                "action_id": "value",
                "initial_date": result.due.isoformat(),
            },
        },
    ]
    return Modal(
        {
            "type": "modal",
            "callback_id": ACTION_FORM,
            "title": {"type": "plain_text", "text": "Assign owner"},
            "submit": {"type": "plain_text", "text": "Assign"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(metadata),
            "blocks": blocks,
        }
    )


@render.register
def _(result: ActionAssigned) -> Message:
    a = result.action
    text = (
        f":white_check_mark: {inert(a.label)} ({inert(a.cell)}) → {owner_mention(a)}: "
        f"{inert(a.kind)}: {inert(a.description)}, due {a.due:%a %Y-%m-%d} "
        f"(assigned by {inert(result.assigned_by)}, action #{a.id})"
    )
    return Message(text, [section(text)])


@render.register
def _(result: ActionList) -> Message:
    if not result.actions:
        return Message(esc(result.empty), [section(f"*{esc(result.title)}*\n{esc(result.empty)}")])
    blocks = [section(f"*{esc(result.title)}* ({len(result.actions)})")]
    for action in result.actions[:20]:
        blocks.append(section(action_line(action)))
        blocks.append(
            {
                "type": "actions",
                "elements": [button("Done", ACTION_DONE, str(action.id), primary=True)],
            }
        )
    if len(result.actions) > 20:
        blocks.append(context(f"…and {len(result.actions) - 20} more."))
    return Message(f"{esc(result.title)}: {len(result.actions)}", blocks)


@render.register
def _(result: ActionChanged) -> Message:
    text = f":white_check_mark: Action #{result.action.id}: {esc(result.what)}."
    return Message(text, [section(text), context(action_line(result.action))])


@render.register
def _(result: CellHistory) -> Message:
    lines = [f"*{esc(result.cell)}* in {esc(result.council)}"]
    if result.colours:
        lines.append(
            " ".join(f"{w}: {DOTS.get(c or '', '⚪')} {esc(s)}" for w, c, s in result.colours)
        )
    else:
        lines.append("No digest has shown this cell yet.")
    for action in result.actions:
        was = DOTS.get(action.color_at or "", "⚪")
        lines.append(f"{was} when assigned ({esc(action.shown_at)}): " + action_line(action))
        lines.extend(f"    – {esc(note)}" for note in result.notes.get(action.id, []))
    return Message(f"History of {esc(result.cell)}", [section(p) for p in chunks(lines)])


def reminder_text(reminder: Reminder) -> str:
    a = reminder.action
    when = {
        "tomorrow": "is due tomorrow",
        "today": "is due today",
        "overdue": f"was due {a.due:%a %Y-%m-%d} and is overdue",
    }[reminder.why]
    # A DM's text is mrkdwn: every typed part is made inert, backticks included, so none
    # becomes a mention, a link or a code span around the commands below.
    return (
        f":alarm_clock: Your action #{a.id} on {inert(a.label)} ({inert(a.cell)}, "
        f"{inert(a.council)}) {when}: {inert(a.kind)}: {inert(a.description)}. "
        f"`/actions done {a.id}` when it is, or `/actions snooze {a.id} DATE REASON`."
    )
