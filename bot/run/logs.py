"""Logging: one JSON object per line in production, plain lines at a terminal, and never a
token or a secret in either."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Slack tokens (bot, user, app, refresh, config) and the long hex signing secrets.
TOKEN = re.compile(r"\b(?:xox[abeoprs]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+")
SECRET_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SALESFORCE_CLIENT_SECRET",
    "COUNCIL_SECRET_KEY",
)
# A Salesforce session id (access token): the org id, `!`, then the session itself.
SALESFORCE_TOKEN = re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+")
HIDDEN = "[redacted]"
# The OAuth pages' query strings: the redirect's `code` can be exchanged for a token, and
# its `state` is what makes the exchange ours. gunicorn's access log has the whole line.
OAUTH_QUERY = re.compile(r"(/slack/(?:install|oauth_redirect))\?[^\s\"']*")
# The same two, as bolt prints a parsed query at DEBUG: {'code': ['...'], 'state': ['...']}.
OAUTH_FIELD = re.compile(r"""(['"]?\b(?:code|state)['"]?\s*[:=]\s*)(\[[^\]]*\]|'[^']*'|"[^"]*")""")
# A `response_url` lets anyone who holds it post as the bot in that channel: never logged,
# whether as a field of a payload (JSON or form-encoded), as Slack's hook address, or as
# the address slack_sdk's webhook client says it is sending to (at DEBUG).
RESPONSE_URL = re.compile(
    r"""(response_urls?['"]?\s*[:=]\s*)("[^"]*"|'[^']*'|\[[^\]]*\]|[^\s&,}]+)"""
)
HOOK = re.compile(r"https://hooks\.slack(?:-gov)?\.com/[^\s\"',]+")
WEBHOOK_SENDING = re.compile(r"(Sending a request - url: )[^\s,]+")
# Fields a record may carry (logger.info(..., extra={...})) that are worth a column.
CONTEXT = ("workspace", "user", "command", "council", "run", "kind", "status", "duration_ms")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every Slack token and every configured secret replaced, and the OAuth
    pages' query strings and every `response_url` hidden."""
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, HIDDEN)
    text = OAUTH_QUERY.sub(rf"\1?{HIDDEN}", text)
    text = OAUTH_FIELD.sub(rf"\1{HIDDEN}", text)
    text = RESPONSE_URL.sub(rf"\1{HIDDEN}", text)
    text = HOOK.sub(HIDDEN, text)
    text = WEBHOOK_SENDING.sub(rf"\1{HIDDEN}", text)
    text = SALESFORCE_TOKEN.sub(HIDDEN, text)
    return TOKEN.sub(HIDDEN, text)


def configured_secrets() -> tuple[str, ...]:
    return tuple(value for name in SECRET_VARIABLES if (value := os.environ.get(name)))


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, context, error."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage(), self.secrets),
        }
        for name in CONTEXT:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The usual text line, with tokens and secrets hidden."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def formatter(kind: str | None = None) -> logging.Formatter:
    """JSON unless told otherwise (`LOG_FORMAT=text`) or writing to a terminal."""
    kind = kind or os.environ.get("LOG_FORMAT") or ("text" if sys.stderr.isatty() else "json")
    secrets = configured_secrets()
    return PlainFormatter(secrets) if kind == "text" else JsonFormatter(secrets)


def configure(level: str, kind: str | None = None) -> None:
    """Send every logger (ours, bolt's, gunicorn's through `gunicorn_logging`) to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def gunicorn_logging() -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error and access logs through our formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"council": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "council",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING").upper()},
    }
