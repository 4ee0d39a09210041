"""`council serve`: the WSGI app behind gunicorn."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.run.logs import gunicorn_logging


class Server(BaseApplication):  # type: ignore[misc]
    """Gunicorn running an app that each worker builds after it forks, so no worker shares
    a database connection or an HTTP pool with another."""

    def __init__(self, build: Callable[[], Any], options: dict[str, Any]) -> None:
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.build()


def serve(build: Callable[[], Any], port: int, host: str = "0.0.0.0") -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": int(os.environ.get("WEB_CONCURRENCY", "2")),
        "worker_class": "gthread",
        "threads": int(os.environ.get("WEB_THREADS", "8")),
        "timeout": 30,
        "accesslog": "-",
        # gunicorn 25+ opens a control socket by default at one path shared by every gunicorn
        # of this user: workers were sent SIGPIPE just after boot, resetting the request in
        # flight, and anything running as this user could shut the server down through it.
        "control_socket_disable": True,
        "logconfig_dict": gunicorn_logging(),
    }
    # `council` dies quietly on SIGPIPE so that `council ... | head` stops cleanly; a server
    # must not: a worker writing to a client that has gone was killed by it ("was sent
    # SIGPIPE!" right after boot) together with every request it was serving.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    Server(build, options).run()
