"""A stand-in for Slack's Web API that shows in the console what the bot would post, so the
digest, the thread and the DMs run through the same code as in Slack."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.render.blocks import Block, section

Show = Callable[[str, list[Block], dict[str, Any]], None]


class ConsoleSlack:
    """Answers the Web API calls the bot makes, printing each message with its buttons."""

    def __init__(self, show: Show, image_dir: Path) -> None:
        self.show = show
        self.image_dir = image_dir
        self.count = 0
        self.posted: list[dict[str, Any]] = []  # what conversations_history reads back

    def _ts(self) -> str:
        self.count += 1
        return f"{self.count}.000100"

    def chat_postMessage(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[Block] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        ts = self._ts()
        self.posted.append(
            {"channel": channel, "ts": ts, "thread_ts": thread_ts, "metadata": metadata}
        )
        where = (
            f"DM to {channel}"
            if channel.startswith("U")
            else (f"{channel}, in the thread" if thread_ts else channel)
        )
        self.show(
            f"[{where}]",
            blocks or [section(text)],
            {"channel": channel, "ts": ts, "thread_ts": thread_ts or ts},
        )
        return {"ok": True, "channel": channel, "ts": ts}

    def chat_update(
        self,
        *,
        channel: str,
        ts: str,
        text: str,
        blocks: list[Block] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        self.show(f"[{channel}, message {ts} updated]", blocks or [section(text)], {})
        return {"ok": True, "channel": channel, "ts": ts}

    def chat_getPermalink(self, *, channel: str, message_ts: str) -> dict[str, Any]:
        return {"ok": True, "permalink": f"console://{channel}/{message_ts}"}

    def files_upload_v2(
        self, *, channel: str, file: bytes, filename: str, title: str, **_: Any
    ) -> dict[str, Any]:
        # One file per kind of picture (apm.png, pacing.png), the latest of each, rather
        # than one per digest.
        path = self.image_dir / f"{title.split()[0].lower()}.png"
        path.write_bytes(file if isinstance(file, bytes) else base64.b64decode(file))
        self.show(f"[{channel}] image {title}: {path.resolve()}", [], {})
        file_id = f"F{self._ts()}"
        self.posted.append(
            {
                "channel": channel,
                "ts": file_id,
                "thread_ts": None,
                "files": [{"id": file_id, "name": filename}],
            }
        )
        return {"ok": True, "file": {"id": file_id}}

    def conversations_open(self, *, users: str, **_: Any) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": users}}

    def conversations_history(self, *, channel: str, **_: Any) -> dict[str, Any]:
        found = [m for m in self.posted if m["channel"] == channel and not m["thread_ts"]]
        return {"ok": True, "messages": found[::-1]}

    def conversations_replies(self, *, channel: str, ts: str, **_: Any) -> dict[str, Any]:
        found = [
            m for m in self.posted if m["channel"] == channel and ts in (m["ts"], m["thread_ts"])
        ]
        return {"ok": True, "messages": found}
