"""Many workspaces: the OAuth install flow, with slack_sdk's installation and state stores
in our own database (their tables come from our migrations), and a Web API client per
workspace for scheduled work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.oauth.callback_options import CallbackOptions, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.slack.settings import Settings
from bot.slack.tokens import SealedInstallationStore
from commands import installs
from commands.context import Env

log = logging.getLogger("council.oauth")
# What manifest.yml asks for.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "files:write",
    "im:write",
    "users:read",
    "users:read.email",
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "channels:read",
    "groups:read",
)
STATE_SECONDS = 600
ROTATE_MINUTES_BEFORE = 120  # as bolt does for requests


class NotInstalled(Exception):
    """The workspace has no installation (never installed, or uninstalled)."""


def installation_store(env: Env, settings: Settings) -> SealedInstallationStore:
    """slack_sdk's store over our tables, its tokens sealed with COUNCIL_SECRET_KEY."""
    sealer = settings.sealer()
    assert settings.client_id is not None and sealer is not None
    return SealedInstallationStore(settings.client_id, env.db.engine, sealer)


def oauth_settings(env: Env, settings: Settings) -> OAuthSettings:
    """`/slack/install` and `/slack/oauth_redirect`; a finished install (re)activates the
    workspace, so its jobs run again."""

    def success(args: SuccessArgs) -> BoltResponse:
        team = args.installation.team_id
        if team:
            name = args.installation.team_name or ""
            installs.installed(env, team, name, installer=args.installation.user_id)
            log.info("installed", extra={"workspace": team})
        return args.default.success(args)

    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        install_page_rendering_enabled=False,
        installation_store=installation_store(env, settings),
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=env.db.engine
        ),
        callback_options=CallbackOptions(success=success, failure=_failure),
    )


def _failure(args: Any) -> BoltResponse:
    log.warning("install failed: %s", args.reason)
    return args.default.failure(args)


def clients_for(
    env: Env, settings: Settings, build: Callable[[Settings, str | None], WebClient]
) -> Callable[[str], WebClient]:
    """A function giving each workspace's client: its installation's bot token in OAuth
    mode (refreshed first when token rotation is on and it expires within two hours), the
    one token otherwise."""
    if not settings.oauth:
        client = build(settings, None)
        return lambda _workspace: client
    assert settings.client_id is not None and settings.client_secret is not None
    store = installation_store(env, settings)
    rotator = TokenRotator(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        client=build(settings, ""),
    )

    def client_for(workspace_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(workspace_id)
        if bot.bot_refresh_token:
            # With token rotation on, a bot token lasts 12 hours. bolt refreshes it for
            # requests; the clock's jobs refresh it the same way, ahead of its expiry.
            refreshed = rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE
            )
            if refreshed is not None:
                store.save_bot(refreshed)
                log.info("bot token refreshed", extra={"workspace": workspace_id})
                bot = refreshed
        return build(settings, bot.bot_token)

    return client_for


def forget(env: Env, settings: Settings, workspace_id: str) -> None:
    """The app was uninstalled or its tokens revoked: drop the tokens, keep the data."""
    if settings.oauth:
        store = installation_store(env, settings)
        store.delete_all(enterprise_id=None, team_id=workspace_id)
    installs.uninstalled(env, workspace_id)
    log.info("uninstalled", extra={"workspace": workspace_id})
