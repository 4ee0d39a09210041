"""Every kind of Slack listener, each module with its `register(app, env)`."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, views
from commands.context import Env


def register(app: App, env: Env) -> None:
    for module in (commands, actions, views, events):
        module.register(app, env)
