"""Channel names typed as text (`#deals`, when Slack did not turn them into a link) made
into the links Slack sends for a picked channel, `<#C0123|deals>`: the digest's upload
and history reads need the id."""

from __future__ import annotations

import re

from slack_sdk import WebClient

# A bare `#name` word (Slack's channel names: lower-case letters, digits, - and _).
BARE = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9_\-]{0,79})(?![\w>|])")
PAGE = 200


class UnknownChannel(Exception):
    """A typed channel name Slack does not know (or that the bot cannot see)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def channel_ids(client: WebClient, names: set[str]) -> dict[str, str]:
    """The id of each of `names`, reading conversations.list a page at a time and
    stopping once all are found."""
    found: dict[str, str] = {}
    cursor = None
    while names - set(found):
        page = client.conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=PAGE,
            cursor=cursor,
        )
        for channel in page.get("channels") or []:
            if channel.get("name") in names:
                found[channel["name"]] = channel["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found


def link_channels(client: WebClient, text: str) -> str:
    """`text` with each bare `#name` replaced by `<#ID|name>`; UnknownChannel names the
    first Slack does not know."""
    names = {match[1] for match in BARE.finditer(text)}
    if not names:
        return text
    ids = channel_ids(client, names)
    for name in sorted(names):
        if name not in ids:
            raise UnknownChannel(name)
    return BARE.sub(lambda m: f"<#{ids[m[1]]}|{m[1]}>", text)
