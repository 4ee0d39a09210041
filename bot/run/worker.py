"""`council worker`: answers the Slack work the web processes queued and acknowledged.

Also run as a thread beside a process that answers its own work (Socket Mode, a single
`council serve`), slowly, to take up what a process that died left in the queue."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient

from bot.slack import listeners  # noqa: F401  (registers how each kind of job is answered)
from bot.slack.listeners.work import run_claimed
from commands.context import Env

log = logging.getLogger("council.worker")
POLL_SECONDS = 0.2  # how long new work may wait for an idle worker


def work(
    env: Env,
    client_for: Callable[[str], WebClient],
    stop: threading.Event,
    poll: float = POLL_SECONDS,
) -> None:
    """Answer queued work until `stop` is set: one job after another while there are any,
    polling every `poll` seconds when there are none."""
    while not stop.is_set():
        try:
            busy = run_claimed(env, None, None, None, client_for)
        except Exception:  # the store is away: wait and try again, never die
            log.exception("could not take work from the queue")
            busy = False
        if not busy:
            stop.wait(poll)


def in_background(env: Env, client_for: Callable[[str], WebClient], poll: float) -> None:
    """`work` on a daemon thread, for a process that also serves Slack."""
    thread = threading.Thread(
        target=work, args=(env, client_for, threading.Event(), poll), daemon=True
    )
    thread.name = "council-queue"
    thread.start()
