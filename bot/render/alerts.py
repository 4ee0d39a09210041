"""Deal alerts and /alerts subscriptions as Slack shows them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.render.blocks import Block, Message, context, esc, render, section
from commands.alert_watch import AlertItem, AlertMessage
from commands.alerts import AlertList
from commands.formatting import short_money

ICONS = {
    "won": "🏆",
    "lost": "✖️",
    "pushed": "⏩",
    "slipped": "⌛",
    "changed": "💲",
    "new": "🆕",
}
# How a message's plain text (the notification) names what happened.
KINDS = {
    "won": "won",
    "lost": "lost",
    "pushed": "pushed out of the quarter",
    "slipped": "slipped past its close date",
    "changed": "amount changed",
    "new": "is a new deal",
}
MAX_ITEMS = 40  # a digest's deals, within Slack's 50 blocks


def event_text(event: dict[str, Any], currency: str) -> str:
    kind, old, new = event["kind"], event.get("old"), event.get("new")
    if kind == "won":
        return "won"
    if kind == "lost":
        return "lost"
    if kind == "pushed":
        return f"pushed out of the quarter: close {old} → {new}"
    if kind == "slipped":
        return f"slipped past its close date {old}, still open"
    if kind == "new":
        return f"new deal of {short_money(_money(new), currency)}"
    before, after = _money(old), _money(new)
    line = f"amount {short_money(before, currency)} → {short_money(after, currency)}"
    if before and after is not None:
        line += f" ({(after - before) / before * 100:+.0f}%)"
    return line


def _money(text: Any) -> Decimal | None:
    return None if text in (None, "") else Decimal(str(text))


def item_lines(item: AlertItem, currency: str) -> str:
    events = " · ".join(
        f"{ICONS.get(e['kind'], '•')} {esc(event_text(e, currency))}" for e in item.events
    )
    close = item.close_date.isoformat() if item.close_date else "no close date"
    return (
        f"*{esc(item.name)}* (#{item.deal_id}) · {esc(item.owner)} · {esc(item.stage)} · "
        f"{short_money(item.amount, currency)} · closes {close}\n{events}"
    )


def batch_label(batch: str) -> str:
    """`2026-11-23T15` (an hour, UTC) as `2026-11-23 15:00-16:00 UTC`; a day as itself."""
    day, _, hour = batch.partition("T")
    if not hour:
        return day
    return f"{day} {int(hour):02d}:00-{(int(hour) + 1) % 24:02d}:00 UTC"


def alert_message(message: AlertMessage) -> Message:
    items = message.items[:MAX_ITEMS]
    if message.cadence == "now" and len(items) == 1:
        item = items[0]
        kinds = ", ".join(dict.fromkeys(KINDS.get(e["kind"], e["kind"]) for e in item.events))
        text = f"Deal alert: {item.name} {kinds}"
        blocks: list[Block] = [section(item_lines(item, message.currency))]
    else:
        when = "this hour" if message.cadence != "daily" else message.batch
        count = f"{len(message.items)} deal" + ("" if len(message.items) == 1 else "s")
        text = f"Deal alerts {when}: {count}"
        blocks = [section(f"*Deal alerts · {esc(batch_label(message.batch))}* · {count}")]
        blocks += [section(item_lines(item, message.currency)) for item in items]
        if len(message.items) > MAX_ITEMS:
            blocks.append(context(f"…and {len(message.items) - MAX_ITEMS} more."))
    blocks.append(context("`/alerts` lists your subscriptions; `/alerts remove N` stops one."))
    return Message(text[:3000], blocks)


@render.register
def _(result: AlertList) -> Message:
    lines = []
    if result.saved:
        lines.append(f":white_check_mark: {esc(result.saved)}")
    if not result.subscriptions:
        lines.append("No alert subscriptions. `/alerts add won lost pushed` starts one.")
    for s in result.subscriptions:
        where = "DM" if s.dm else f"<#{s.channel}>"
        filters = f" · only {esc(', '.join(s.filters))}" if s.filters else ""
        lines.append(
            f"*{s.id}.* {esc(', '.join(s.events))}{filters} · {s.cadence} · {where}"
            + ("" if s.dm else f" · by {esc(s.by)}")
        )
    blocks: list[Block] = [section("\n".join(lines)[:3000])]
    blocks.append(context("`/alerts help` for events, filters and how often."))
    return Message(result.saved or "Alert subscriptions", blocks)
