"""The bolt App: one per process, talking to `SLACK_API_URL`."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import listeners
from bot.settings import Settings
from commands.context import Env


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for `SLACK_API_URL` that waits out 429s and retries 5xx and resets."""
    return WebClient(
        token=token or settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(env: Env, settings: Settings) -> App:
    """The bolt App with every listener registered."""
    app = App(
        token=settings.bot_token,
        signing_secret=settings.signing_secret,
        client=web_client(settings),
        logger=logging.getLogger("council.bolt"),
    )
    listeners.register(app, env)
    return app
