"""The app manifest offers every slash command and event the bot answers."""

from __future__ import annotations

import re
from pathlib import Path

from bot.oauth import BOT_SCOPES
from commands.registry import SLASH_COMMANDS

MANIFEST = (Path(__file__).parents[2] / "manifest.yml").read_text()


def test_every_slash_command_is_in_the_manifest():
    listed = set(re.findall(r"- command: (/\w+)", MANIFEST))
    assert listed == set(SLASH_COMMANDS)


def test_the_events_the_bot_answers_are_subscribed_and_the_home_tab_is_on():
    events = MANIFEST.split("bot_events:")[1].split("interactivity:")[0]
    assert set(re.findall(r"- (\w+)", events)) == {
        "app_mention",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert "home_tab_enabled: true" in MANIFEST


def test_an_oauth_install_asks_for_exactly_the_manifests_scopes():
    scopes = MANIFEST.split("bot:")[1].split("settings:")[0]
    assert set(re.findall(r"- ([\w:.]+)", scopes)) == set(BOT_SCOPES)
