"""How the bot waits out a busy Slack: the same retries for the Web API and for replies to
a `response_url`."""

from __future__ import annotations

from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def retry_handlers() -> list[RetryHandler]:
    """Resets twice, 429s (after their Retry-After) three times, 5xx twice."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
