"""No stack trace ever reaches a user: failures become a short, honest reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError

log = logging.getLogger("council")

DB_DOWN = (
    ":hourglass: The database is not answering right now, so nothing was changed. "
    "Please try again in a minute."
)
BROKEN = (
    ":warning: Something went wrong on our side and nothing was changed. Please try again; "
    "if it keeps happening, tell your Slack admin."
)


@contextmanager
def reply_on_failure(say: Callable[[str], object], what: str) -> Iterator[None]:
    """Run a listener's body; on failure log it and tell the person in plain words."""
    try:
        yield
    except OperationalError:
        log.exception("database unavailable during %s", what)
        _quietly(say, DB_DOWN)
    except Exception:
        log.exception("failure during %s", what)
        _quietly(say, BROKEN)


def _quietly(say: Callable[[str], object], text: str) -> None:
    try:
        say(text)
    except Exception:
        log.exception("could not tell the user about a failure")
