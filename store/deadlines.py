"""Giving up on a wait at a deadline, from one watching thread.

A timeout on each read is not enough where a peer trickles (a byte a second never lets a
read time out) or where the wait is inside a driver: the waiting thread cannot be woken,
but its socket can be shut from another, which ends the wait at once with an error. The
HTTP edge (a request body due by a moment) and the store (a PostgreSQL call given up
after some seconds) both use this.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Deadlines(Generic[T]):
    """Things waited on and when each is given up; `give_up(thing)` runs once it is late,
    under the lock, so that a thing disarmed in time is never given up."""

    def __init__(self, give_up: Callable[[T], None], every: float = 0.1) -> None:
        self.give_up = give_up
        self.every = every
        self.waiting: dict[int, tuple[float, T]] = {}
        self.lock = threading.Lock()
        self.watcher: threading.Thread | None = None

    def arm(self, thing: T, seconds: float) -> None:
        with self.lock:
            self.waiting[id(thing)] = (time.monotonic() + seconds, thing)
            if self.watcher is None or not self.watcher.is_alive():
                self.watcher = threading.Thread(target=self._watch, daemon=True)
                self.watcher.start()

    def disarm(self, thing: T) -> None:
        with self.lock:
            self.waiting.pop(id(thing), None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.every)
            now = time.monotonic()
            with self.lock:
                late = [thing for due, thing in self.waiting.values() if due <= now]
                for thing in late:
                    self.waiting.pop(id(thing), None)
                    self.give_up(thing)
