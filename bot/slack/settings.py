"""The environment the bot runs in."""

from __future__ import annotations

import os
from dataclasses import dataclass

from bot.slack.tokens import Sealer, SecretKeyError, keys_from_env

SLACK_API_DEFAULT = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str
    client_id: str | None = None
    client_secret: str | None = None
    # How long a Web API call may go unanswered; then it is retried, or (a post) looked for.
    timeout_seconds: float = 15.0
    # COUNCIL_SECRET_KEY: the keys sealing stored tokens, the first sealing (bot/slack/tokens.py).
    secret_keys: tuple[str, ...] = ()

    @property
    def oauth(self) -> bool:
        """Many workspaces by OAuth install, rather than one by its bot token."""
        return bool(self.client_id and self.client_secret)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings in the environment; a process that would store tokens (OAuth)
        without a good COUNCIL_SECRET_KEY refuses to start, saying what to set."""
        api_url = os.environ.get("SLACK_API_URL") or SLACK_API_DEFAULT
        settings = cls(
            bot_token=os.environ.get("SLACK_BOT_TOKEN") or None,
            signing_secret=os.environ.get("SLACK_SIGNING_SECRET") or None,
            app_token=os.environ.get("SLACK_APP_TOKEN") or None,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            client_id=os.environ.get("SLACK_CLIENT_ID") or None,
            client_secret=os.environ.get("SLACK_CLIENT_SECRET") or None,
            timeout_seconds=float(os.environ.get("SLACK_TIMEOUT") or 15),
            secret_keys=keys_from_env(),
        )
        settings.sealer()
        return settings

    def sealer(self) -> Sealer | None:
        """What seals stored tokens (OAuth only; None with one bot token); SystemExit with
        what to do when the key is missing or malformed."""
        if not self.oauth:
            return None
        try:
            return Sealer(self.secret_keys)
        except SecretKeyError as error:
            raise SystemExit(f"council: {error}") from None
