"""Every kind of Slack listener, each module with its `register(app, env)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import buttons, commands, events, forms
from bot.slack.listeners.work import Work
from commands.context import Env


def register(app: App, env: Env, work: Work) -> None:
    """Every listener; slash commands and buttons are queued, acked at once and answered
    through `work`."""
    commands.register(app, env, work)
    buttons.register(app, env, work)
    forms.register(app, env)
    events.register(app, env)
