"""The bolt app behind a real HTTP server on a free port, as Slack reaches it."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.request
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.run.wsgi import create_wsgi
from bot.slack.app import create_app
from bot.slack.settings import Settings
from commands.context import Env
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SECRET

# COUNCIL_SECRET_KEY for the OAuth app in tests (a Fernet key).
KEY = "yGVHhSRnPTf2qfmOUdq4YvfwnwCb2Iw3mrItzRpTA4o="


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class RunningApp:
    def __init__(
        self, env: Env, slack: FakeSlack, *, oauth: bool = False, keys: tuple[str, ...] = (KEY,)
    ) -> None:
        """The app with one bot token, or (`oauth`) installed per workspace by OAuth, its
        tokens sealed with `keys`."""
        settings = Settings(
            bot_token=None if oauth else "xoxb-test-token",
            signing_secret=SECRET,
            app_token=None,
            api_url=slack.api_url,
            client_id="111.222" if oauth else None,
            client_secret="oauth-client-secret" if oauth else None,
            timeout_seconds=1.0,  # well before the fake's HANG and LATE answer
            secret_keys=keys if oauth else (),
        )
        self.settings = settings
        self.app = create_app(env, settings)
        self.server = make_server(
            "127.0.0.1",
            0,
            create_wsgi(self.app),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A port nothing listens on now, for a server started as a separate process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(
    port: int, process: subprocess.Popen[Any] | None = None, timeout: float = 60
) -> bytes:
    """Wait for `/healthz` on `port` to answer; its body. Fails when the time is up or the
    server's process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return bytes(r.read())
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise
            time.sleep(0.2)
