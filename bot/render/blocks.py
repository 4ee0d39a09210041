"""Block Kit's building blocks and the one `render` every family registers with. Every
piece of user text is escaped here (`esc`)."""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
Block = dict[str, Any]


def esc(text: object) -> str:
    """User text made inert in mrkdwn: no mentions, links or broadcasts."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inert(text: object) -> str:
    """A value people typed (a region, a council's name), escaped and with its backticks
    traded for a look-alike: Slack has no escape for a backtick, and one typed in
    ``EMEA``` *x*`` would open or close a code block around the bot's own text."""
    return esc(text).replace("`", "\u02cb")


_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def channel_link(channel: str) -> str:
    """A channel as Slack shows it, `<#C0123>` (its current name, clickable), when it is an
    id; a name stored before names were resolved, escaped, as it is."""
    if _CHANNEL_ID.match(channel):
        return f"<#{channel}>"
    return esc(channel)


def fenced(text: object) -> str:
    """Text shown as a code block that nothing in it can close."""
    return "```" + inert(text) + "```"


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


_families_lock = threading.Lock()
_families_loaded = False


def load_families() -> None:
    """Import every family of renderings (each module beside this one), once. A process
    that shows one result (`council apm`) imports only its family; the first result of
    another kind brings in the rest."""
    global _families_loaded
    with _families_lock:
        if _families_loaded:
            return
        import bot.render as package

        for family in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{family.name}")
        _families_loaded = True


@singledispatch
def render(result: object) -> Message | Modal:
    """The message (or modal) that shows `result`."""
    load_families()
    found = render.dispatch(type(result))
    if found is not render.registry[object]:
        return found(result)
    raise TypeError(f"no rendering for {type(result).__name__}")
