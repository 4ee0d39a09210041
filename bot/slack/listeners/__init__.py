"""Every kind of Slack listener, each module with its `register(app, env)`."""

from __future__ import annotations

from concurrent.futures import Executor

from slack_bolt import App

from bot.slack.listeners import buttons, commands, events, forms
from commands.context import Env


def register(app: App, env: Env, work: Executor) -> None:
    """Every listener; slash commands and buttons ack at once and do their work on `work`."""
    commands.register(app, env, work)
    buttons.register(app, env, work)
    forms.register(app, env)
    events.register(app, env)
