"""The app manifest offers every slash command and event the bot answers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.slack.manifest import manifest
from bot.slack.oauth import BOT_SCOPES
from commands.registry import SLASH_COMMANDS

ROOT = Path(__file__).parents[3]
MANIFEST = (ROOT / "manifest.yml").read_text()


def test_every_slash_command_is_in_the_manifest():
    listed = set(re.findall(r"- command: (/\w+)", MANIFEST))
    assert listed == set(SLASH_COMMANDS)


def test_the_manifest_is_the_one_made_from_the_registry():
    """A command added to the registry but not to manifest.yml fails here: regenerate it with
    `council manifest > manifest.yml`."""
    assert manifest() == MANIFEST
    made = subprocess.run(
        [sys.executable, "-m", "bot.run.cli", "manifest", "--url", "https://x.example"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "url: https://x.example/slack/events" in made.stdout
    assert "council.example.com" not in made.stdout


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
