"""Logs: JSON lines with their context, and no token or secret in any of them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.run import logs


def emit(formatter: logging.Formatter, message: str, *args: object, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("council.test-logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        raise RuntimeError("token xoxb-1234-5678-abcdefgh in an error")
    except RuntimeError:
        logger.error(message, *args, exc_info=True, extra=extra)
    return stream.getvalue()


def test_a_record_is_one_json_line_with_its_context():
    line = emit(logs.JsonFormatter(), "answered %s", "/deal", workspace="T1", command="/deal")
    assert line.count("\n") == 1
    record = json.loads(line)
    assert record["message"] == "answered /deal"
    assert (record["level"], record["logger"]) == ("error", "council.test-logs")
    assert (record["workspace"], record["command"]) == ("T1", "/deal")
    assert "RuntimeError" in record["error"] and record["at"].endswith("+00:00")


@pytest.mark.parametrize("kind", ["json", "text"])
def test_tokens_and_configured_secrets_never_appear(kind: str, monkeypatch):
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    formatter = logs.formatter(kind)
    written = emit(
        formatter,
        "calling with %s and %s and secret %s",
        "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
        "xapp-1-A0123-456-abcdef",
        "8f742231b10e8888abcd99yyyzzz85a5",
    )
    assert "xoxb-" not in written and "xapp-" not in written
    assert "8f742231b10e8888abcd99yyyzzz85a5" not in written
    # Three in the message; the traceback shows its token twice (the source line, the error).
    assert written.count(logs.HIDDEN) == 5
