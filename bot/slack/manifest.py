"""The Slack app manifest (manifest.yml), made from the registry so that the commands
Slack offers and the ones the bot answers cannot disagree: `council manifest > manifest.yml`.
"""

from __future__ import annotations

import json

from bot.slack.oauth import BOT_SCOPES
from commands.registry import SLASH_COMMANDS

URL = "https://council.example.com"
# Why a scope beyond the obvious is asked for, written above it.
SCOPE_NOTES = {
    "channels:history": "Read back only to make sure a message whose answer Slack lost is not "
    "posted twice.",
    "channels:read": "A council channel typed as #name, not picked, is looked up to its id.",
}

HEAD = """# Slack app manifest: https://api.slack.com/reference/manifests
# Create the app from this file (api.slack.com/apps -> Create New App -> From a manifest).
# Socket Mode is on, so no public URL is needed: run `council socket`.
# For HTTP mode, turn socket_mode_enabled off and replace {url} with
# the public address of `council serve` (the `web` process).
display_information:
  name: Pipeline Council
  description: Runs your weekly pipeline council in Slack.
  background_color: "#1f3a5f"
  long_description: >-
    Reps keep their deals current with /deal; every week the council channel gets the
    accountability performance matrix with every cell red, yellow or green, and every red
    cell gets an owner and an action. Free to run yourself.
features:
  bot_user:
    display_name: Pipeline Council
    always_online: true
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  slash_commands:
"""

OAUTH = """oauth_config:
  # For many workspaces by OAuth (SLACK_CLIENT_ID/SECRET): `council serve`'s callback.
  redirect_urls:
    - {url}/slack/oauth_redirect
  scopes:
    bot:
"""

SETTINGS = """settings:
  event_subscriptions:
    request_url: {url}/slack/events
    bot_events:
      - app_mention
      - app_home_opened
      - app_uninstalled
      - tokens_revoked
  interactivity:
    is_enabled: true
    request_url: {url}/slack/events
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
"""


def manifest(url: str = URL) -> str:
    """The manifest's text, with `url` as the public address of `council serve`."""
    lines = [HEAD.format(url=url)]
    for name, command in SLASH_COMMANDS.items():
        lines.append(
            f"    - command: {name}\n"
            f"      url: {url}/slack/events\n"
            f"      description: {command.description}\n"
            f"      usage_hint: {json.dumps(command.usage_hint)}\n"
            f"      should_escape: true\n"
        )
    lines.append(OAUTH.format(url=url))
    for scope in BOT_SCOPES:
        if scope in SCOPE_NOTES:
            lines.append(f"      # {SCOPE_NOTES[scope]}\n")
        lines.append(f"      - {scope}\n")
    lines.append(SETTINGS.format(url=url))
    return "".join(lines)
