"""How the bot waits out a busy or unreachable Slack: the same retries for the Web API and
for replies to a `response_url`."""

from __future__ import annotations

from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Calls that post: when one ends without an answer Slack may have taken it, so trying again
# blindly could show a message twice. bot/post_once.py looks before it tries again.
POSTING = ("chat.postMessage", "files.completeUploadExternal")


class _RepeatSafe(ConnectionErrorRetryHandler):
    """Resets and timeouts, tried again for every call that may safely be repeated."""

    def __init__(self, max_retry_count: int) -> None:
        super().__init__(
            max_retry_count=max_retry_count,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError],
        )

    def _can_retry(self, *, request: Any, **kwargs: Any) -> bool:
        if request.url.rstrip("/").endswith(POSTING):
            return False
        return super()._can_retry(request=request, **kwargs)


def retry_handlers() -> list[RetryHandler]:
    """Resets and timeouts twice (except posts), 429s after their Retry-After three times,
    5xx twice."""
    return [
        _RepeatSafe(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
