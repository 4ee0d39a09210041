"""The floor for acknowledgement latency: a bolt app that only acks /deal and /coverage,
behind the same gunicorn server as `council serve`.

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... python -m bench.bare_app PORT
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from slack_bolt import Ack, App

from bot.run.server import serve
from bot.run.wsgi import create_wsgi
from bot.slack.app import web_client
from bot.slack.settings import Settings


def build() -> Any:
    settings = Settings.from_env()
    app = App(
        token=settings.bot_token,
        signing_secret=settings.signing_secret,
        client=web_client(settings),
        logger=logging.getLogger("bare"),
    )

    def only_ack(ack: Ack) -> None:
        ack()

    for name in ("/deal", "/coverage"):
        app.command(name)(only_ack)
    return create_wsgi(app)


if __name__ == "__main__":
    serve(build, int(sys.argv[1]))
