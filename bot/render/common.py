"""The results every family shares: problems, refusals, notices, help and choices."""

from __future__ import annotations

from bot.render.blocks import Message, button, chunks, context, esc, render, section
from commands.results import Choice, Duplicate, FormErrors, Help, Notice, Problem, Refused


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
    if not result.who_can.strip():
        return Message(result.message, [section(text)])  # never "Who can: " and nobody
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
    if len(result.options) > 1 and len({o.action for o in result.options}) == 1:
        # Alike choices (deals a name matches): each its own line, whole, with its own
        # button, so no label is cut and no two buttons share an id within a block.
        for index, o in enumerate(result.options):
            line = section(esc(o.label))
            line["block_id"] = f"pick-{index}"
            line["accessory"] = button("Pick", o.action, o.value)
            blocks.append(line)
    elif result.options:
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


@render.register
def _(result: FormErrors) -> Message:
    lines = [f"{key}: {message}" for key, message in result.errors.items()]
    return Message("\n".join(lines), [section(":warning: " + esc("\n".join(lines)))])
