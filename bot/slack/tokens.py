"""Slack tokens encrypted at rest: a copy of the database alone reveals none.

`COUNCIL_SECRET_KEY` holds one or more Fernet keys, separated by commas (the same keys seal
Salesforce's client secret: store/sealed.py). The first seals every token written; all of them open
tokens read, so a key is rotated by putting a new one first and keeping the old one after
it: at start the app re-seals every stored token with the first key (and seals any written
before encryption existed), after which the old key can go.

Only the OAuth mode stores tokens (`slack_installations`, `slack_bots`), so only it needs a
key, on any database; with one bot token (`SLACK_BOT_TOKEN`, the console) nothing secret
is stored and no key is needed.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, Table, update

from store.sealed import (  # noqa: F401 (where the connectors found them before)
    KEY_VARIABLE,
    MAKE_ONE,
    SEALED,
    Sealer,
    SecretKeyError,
    keys_from_env,
)

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
Stored = TypeVar("Stored", Installation, Bot)


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
