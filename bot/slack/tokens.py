"""Slack tokens encrypted at rest: a copy of the database alone reveals none.

`COUNCIL_SECRET_KEY` holds one or more Fernet keys, separated by commas (the same key
future Salesforce secrets will use). The first seals every token written; all of them open
tokens read, so a key is rotated by putting a new one first and keeping the old one after
it: at start the app re-seals every stored token with the first key (and seals any written
before encryption existed), after which the old key can go.

Only the OAuth mode stores tokens (`slack_installations`, `slack_bots`), so only it needs a
key, on any database; with one bot token (`SLACK_BOT_TOKEN`, the console) nothing secret
is stored and no key is needed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, Table, update

KEY_VARIABLE = "COUNCIL_SECRET_KEY"
SEALED = "fernet:"  # marks a sealed value, so one written before encryption is told apart
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
MAKE_ONE = (
    "make one with: python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
Stored = TypeVar("Stored", Installation, Bot)


class SecretKeyError(Exception):
    """The secret key is missing, malformed, or opens no stored token; the message says
    what to do."""


def keys_from_env(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The keys in `COUNCIL_SECRET_KEY`, first the one that seals."""
    raw = (os.environ if environ is None else environ).get(KEY_VARIABLE) or ""
    return tuple(k.strip() for k in raw.split(",") if k.strip())


class Sealer:
    """Seals with the first key, opens with any."""

    def __init__(self, keys: Iterable[str]) -> None:
        try:
            fernets = [Fernet(k.encode()) for k in keys]
        except (ValueError, TypeError):
            raise SecretKeyError(
                f"{KEY_VARIABLE} must be Fernet keys (32 bytes, url-safe base64) separated "
                f"by commas; {MAKE_ONE}"
            ) from None
        if not fernets:
            raise SecretKeyError(missing_key_message())
        self.first = fernets[0]
        self.any = MultiFernet(fernets)

    def seal(self, value: str | None) -> str | None:
        if value is None or value.startswith(SEALED):
            return value
        return SEALED + self.first.encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(SEALED):
            return value  # written before encryption; sealed at the next start
        try:
            return self.any.decrypt(value[len(SEALED) :].encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                f"a stored Slack token opens with none of the keys in {KEY_VARIABLE}; "
                "put back the key it was sealed with (after the new one, to rotate)"
            ) from None

    def reseal(self, value: str | None) -> str | None:
        """`value` sealed with the first key; None when it already is."""
        if value is None:
            return None
        if value.startswith(SEALED):
            token = value[len(SEALED) :].encode()
            try:
                self.first.decrypt(token)
                return None
            except InvalidToken:
                pass
        return self.seal(self.open(value))


def missing_key_message() -> str:
    return (
        f"set {KEY_VARIABLE} first: with OAuth installs, every workspace's bot token is "
        f"stored encrypted with it; {MAKE_ONE}"
    )


class SealedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's installation store over our tables, every token sealed on the way in
    and opened on the way out."""

    def __init__(self, client_id: str, engine: Engine, sealer: Sealer) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.sealer = sealer

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def find_bot(self, **kwargs: Any) -> Bot | None:
        return self._opened(super().find_bot(**kwargs))

    def find_installation(self, **kwargs: Any) -> Installation | None:
        return self._opened(super().find_installation(**kwargs))

    def reseal_all(self) -> int:
        """Seal every stored token with the first key (those written before encryption,
        or with a key being rotated out); how many values were rewritten."""
        return sum(self._reseal(table) for table in (self.installations, self.bots))

    def _reseal(self, table: Table) -> int:
        fields = [f for f in TOKEN_FIELDS if f in table.c]
        rewritten = 0
        with self.engine.begin() as connection:
            for row in connection.execute(table.select()).mappings():
                changes = {f: self.sealer.reseal(row[f]) for f in fields}
                changes = {f: v for f, v in changes.items() if v is not None}
                if changes:
                    connection.execute(
                        update(table).where(table.c.id == row["id"]).values(**changes)
                    )
                    rewritten += len(changes)
        return rewritten

    def _sealed(self, stored: Stored) -> Stored:
        sealed = copy.copy(stored)
        for field in TOKEN_FIELDS:
            if hasattr(sealed, field):
                setattr(sealed, field, self.sealer.seal(getattr(sealed, field)))
        return sealed

    def _opened(self, stored: Stored | None) -> Stored | None:
        if stored is None:
            return None
        for field in TOKEN_FIELDS:
            if hasattr(stored, field):
                setattr(stored, field, self.sealer.open(getattr(stored, field)))
        return stored
