"""What the write-back to Salesforce tells a rep: a conflict, with the choice, or a
refusal in plain words."""

from __future__ import annotations

from bot.render.blocks import Message, button, context, esc, render, section
from commands.salesforce.results import SF_KEEP_THEIRS, SF_WRITE_MINE, WriteBackNotice


@render.register
def _(notice: WriteBackNotice) -> Message:
    lines = [
        f"• *{esc(label)}*: yours {esc(mine)} · Salesforce's {esc(theirs)}"
        for label, mine, theirs in notice.fields
    ]
    if notice.kind == "conflict":
        head = (
            f":twisted_rightwards_arrows: *{esc(notice.deal_name)}* changed in Salesforce "
            f"(by {esc(notice.by)}) after you edited it here, so your change was not written:"
        )
        value = str(notice.outbox_id)
        return Message(
            f"{notice.deal_name}: changed in Salesforce by {notice.by}; choose which to keep",
            [
                section(head + "\n" + "\n".join(lines)),
                {
                    "type": "actions",
                    "elements": [
                        button("Keep Salesforce's", SF_KEEP_THEIRS, value),
                        button("Write mine", SF_WRITE_MINE, value, primary=True),
                    ],
                },
            ],
        )
    head = (
        f":no_entry: Salesforce did not take your change to *{esc(notice.deal_name)}*: "
        f"{esc(notice.message)}."
    )
    return Message(
        f"Salesforce did not take your change to {notice.deal_name}: {notice.message}",
        [
            section(head + "\n" + "\n".join(lines)),
            context("The deal here now holds Salesforce's values. Fix it there, or edit it again."),
        ],
    )
