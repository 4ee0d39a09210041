"""The bolt App: one per process, talking to `SLACK_API_URL`."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack import actors, listeners
from bot.slack.listeners.work import Work
from bot.slack.oauth import forget, installation_store, oauth_settings
from bot.slack.settings import Settings
from bot.slack.tokens import SecretKeyError
from bot.webapi.retries import retry_handlers
from commands.context import Env


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for `SLACK_API_URL` that waits out 429s and retries 5xx, resets and
    timeouts; with the one bot token unless given another (or "" for none)."""
    return WebClient(
        token=settings.bot_token if token is None else token or None,
        base_url=settings.api_url,
        retry_handlers=retry_handlers(),
        timeout=settings.timeout_seconds,  # type: ignore[arg-type]  # a float is fine for urllib
    )


def create_app(env: Env, settings: Settings, answer_here: bool = True) -> App:
    """The bolt App with every listener registered.

    Listeners ack and hand their work to a small pool of our own: bolt runs each listener
    on a pool of ten threads and answers Slack only once the listener has acked, so work
    kept in the listener made the next requests' acks wait for a free thread (p50 179 ms
    against 18 ms for an app that only acks, 20 clients). Two work threads per process keep
    the acks' share of the interpreter (p99 72 ms, against 171 ms with eight).

    Every slash command and press is written to the store's queue before its ack; without
    `answer_here` this process only acks, and `council worker` processes answer.
    """
    if settings.oauth:
        # Tokens written before encryption, or sealed with a key being rotated out, are
        # sealed with the first key now, so no copy of the database shows one.
        try:
            resealed = installation_store(env, settings).reseal_all()
        except SecretKeyError as error:
            raise SystemExit(f"council: {error}") from None
        if resealed:
            logging.getLogger("council.oauth").info("sealed %d stored tokens", resealed)
        # Each request is authorized by its workspace's installation, not one token.
        app = App(
            signing_secret=settings.signing_secret,
            client=web_client(settings, token=""),
            oauth_settings=oauth_settings(env, settings),
            logger=logging.getLogger("council.bolt"),
        )
    else:
        app = App(
            token=settings.bot_token,
            signing_secret=settings.signing_secret,
            client=web_client(settings),
            logger=logging.getLogger("council.bolt"),
        )
    pool = ThreadPoolExecutor(
        max_workers=int(os.environ.get("WORK_THREADS", "2")), thread_name_prefix="council-work"
    )
    listeners.register(app, env, Work(env, pool, answer_here))
    register_uninstalls(app, env, settings)
    return app


def register_uninstalls(app: App, env: Env, settings: Settings) -> None:
    """Uninstalled, or tokens revoked: the workspace's tokens go, its data stays, and its
    digests, reminders and DMs stop until it installs again."""

    # The installation that goes is the one the event was authorised for (`workspace_of`),
    # never the team the payload merely names.
    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        forget(env, settings, actors.workspace_of(context))

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):
            forget(env, settings, actors.workspace_of(context))
