"""The HTTP face: Slack's requests at `/slack/events`, liveness at `/healthz`.

Before bolt sees a request to `/slack/events`, its edge is checked here, cheapest first and
without a traceback for anything a stranger can send: a declared length within the cap
(else 413, nothing read), a timestamp that is a number and recent and a signature (else
401, nothing read), the body read within a deadline (else 408), its signature right (else
401, nothing parsed) and the body UTF-8 (else 400). Only then does bolt parse it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import logging
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from store.deadlines import Deadlines

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
log = logging.getLogger("council.http")

EVENTS = "/slack/events"
# Slack's payloads are a few kilobytes; a modal's view with every block is far below this.
MAX_BODY = 1024 * 1024
# The whole body must arrive within this: Slack sends it at once, and a thread waiting on
# a slow sender is a thread no one else can use (16 slow senders took every thread).
BODY_SECONDS = 3.0
# Slack's own rule: a request more than five minutes old is a replay.
STALE_SECONDS = 5 * 60
CHUNK = 64 * 1024


class Refused(Exception):
    """A request answered at the edge: its status and a one-line reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _digits(text: str) -> bool:
    # ASCII only: "²" and "١" are digits to `isdigit` but not to `int`.
    return text.isascii() and text.isdigit()


def declared_length(environ: dict[str, Any]) -> int:
    """The body's declared length, refused when absent, malformed or over the cap."""
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw:
        raise Refused("411 Length Required", "no Content-Length")
    if not _digits(raw):
        raise Refused("400 Bad Request", "malformed Content-Length")
    length = int(raw)
    if length > MAX_BODY:
        raise Refused("413 Content Too Large", f"body of {length} bytes")
    return length


def signed_headers(environ: dict[str, Any], now: float) -> tuple[str, str]:
    """The request's timestamp and signature, refused when missing, not a number or stale."""
    stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
    signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
    if not _digits(stamp) or not signature:
        raise Refused("401 Unauthorized", "missing or malformed signature headers")
    if abs(now - int(stamp)) > STALE_SECONDS:
        raise Refused("401 Unauthorized", "stale timestamp")
    return stamp, signature


def _stop_reading(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


# Bodies due by a moment: at it, the reading side of a socket still reading is shut. A
# per-read timeout is not enough: a sender trickling a byte a second never lets a read time
# out, and gunicorn's read waits for the full amount.
CUTOFFS: Deadlines[socket.socket] = Deadlines(_stop_reading)


def read_body(environ: dict[str, Any], length: int, deadline: float) -> bytes:
    """Exactly `length` bytes of body, or 408 when they do not all arrive by `deadline`.
    Under gunicorn the socket's reading side is shut at the deadline, which ends any read;
    elsewhere (the tests' wsgiref) the total is only checked between reads."""
    stream = environ["wsgi.input"]
    sock: socket.socket | None = environ.get("gunicorn.socket")
    if sock is not None:
        CUTOFFS.arm(sock, deadline - time.monotonic())
    parts: list[bytes] = []
    left = length
    try:
        while left > 0:
            part = stream.read(min(CHUNK, left)) if time.monotonic() < deadline else b""
            if len(part) < min(CHUNK, left) and time.monotonic() >= deadline:
                raise Refused("408 Request Timeout", "body too slow")
            if not part:
                raise Refused("400 Bad Request", "body shorter than its Content-Length")
            parts.append(part)
            left -= len(part)
    except OSError as error:
        raise Refused("408 Request Timeout", "body too slow") from error
    finally:
        if sock is not None:
            CUTOFFS.disarm(sock)
    return b"".join(parts)


def check_signature(secret: str, stamp: str, body: bytes, signature: str) -> None:
    """Slack's v0 signature over the raw bytes, checked before anything reads the body."""
    expected = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + expected.hexdigest(), signature):
        raise Refused("401 Unauthorized", "signature does not match")


def verified_body(environ: dict[str, Any], secret: str) -> bytes:
    """The body of a request to `/slack/events`, once it has passed every check."""
    now = time.time()
    length = declared_length(environ)
    stamp, signature = signed_headers(environ, now)
    body = read_body(environ, length, time.monotonic() + BODY_SECONDS)
    check_signature(secret, stamp, body, signature)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused("400 Bad Request", "body is not UTF-8") from error
    return body


def refuse(
    refused: Refused, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    # One quiet line: a stranger's malformed request is not our failure.
    log.info("refused a request: %s", refused)
    sock: socket.socket | None = environ.get("gunicorn.socket")
    if sock is not None:
        # The rest of the body is never read: gunicorn would otherwise wait for it (with no
        # deadline) before its next request on this connection. Closing our reading side
        # makes that wait end at once and the connection close after this answer.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
    start_response(refused.status, [("Content-Type", "text/plain; charset=utf-8")])
    return [refused.status.encode() + b"\n"]


def create_wsgi(app: App) -> WSGIApp:
    slack = SlackRequestHandler(app, path=EVENTS)
    # The very secret bolt verifies with, so the two checks can never disagree.
    secret: str = app._signing_secret

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        if path == EVENTS and environ.get("REQUEST_METHOD") == "POST":
            try:
                body = verified_body(environ, secret)
            except Refused as refused:
                return refuse(refused, environ, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return slack(environ, start_response)

    return application
