"""Secrets sealed at rest with the keys in `COUNCIL_SECRET_KEY` (Fernet, MultiFernet to
rotate): Slack's bot tokens and Salesforce's client secret. A copy of the database alone
reveals none of them. The first key seals; every key opens, so a key is rotated by putting
a new one first and keeping the old one after it until everything is resealed."""

from __future__ import annotations

import os
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_VARIABLE = "COUNCIL_SECRET_KEY"
SEALED = "fernet:"  # marks a sealed value, so one written before encryption is told apart
MAKE_ONE = (
    "make one with: python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


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
            raise SecretKeyError(
                f"set {KEY_VARIABLE} first: stored secrets are sealed with it; {MAKE_ONE}"
            )
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
                f"a stored secret opens with none of the keys in {KEY_VARIABLE}; "
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
