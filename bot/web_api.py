"""The Web API calls that posting needs, so Slack's client and the console's stand-in
(bot/console_slack.py) serve alike."""

from __future__ import annotations

from typing import Any, Protocol


class WebApi(Protocol):
    def chat_postMessage(self, **kwargs: Any) -> Any: ...

    def chat_update(self, **kwargs: Any) -> Any: ...

    def chat_getPermalink(self, **kwargs: Any) -> Any: ...

    def files_upload_v2(self, **kwargs: Any) -> Any: ...
