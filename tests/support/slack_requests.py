"""Requests shaped exactly as Slack sends them, signed as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0TEST001"
FORM = "application/x-www-form-urlencoded"  # how Slack posts commands and interactions
APP = "A0COUNCIL1"
CHANNEL = "C0SALES01"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    team: str = TEAM


MAYA = User("U0MAYA001", "maya")
JO = User("U0JO00001", "jo")


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def post(
    url: str,
    body: str,
    *,
    content_type: str,
    secret: str = SECRET,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    signed_body: str | None = None,
) -> Reply:
    """POST `body` signed with `secret` (over `signed_body`, to forge a tampered request)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    all_headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body if signed_body is None else signed_body),
        **(headers or {}),
    }
    request = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def slash_command(
    command: str, text: str, response_url: str, user: User = MAYA, channel: str = CHANNEL
) -> str:
    return urlencode(
        {
            "token": "verification-token-unused",
            "team_id": user.team,
            "team_domain": "testteam",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": APP,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.abcdef",
        }
    )


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team}


def block_actions(button: dict[str, Any], response_url: str, user: User = MAYA) -> str:
    """Pressing `button` (an element the bot sent) on an ephemeral message."""
    payload = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP,
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000200",
            "channel_id": CHANNEL,
            "is_ephemeral": True,
        },
        "trigger_id": f"{int(time.time())}.1234.abcd",
        "team": {"id": user.team, "domain": "testteam"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "sales"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "b1",
                "text": button["text"],
                "value": button["value"],
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def fill_view(view: dict[str, Any], answers: dict[str, str | None]) -> dict[str, Any]:
    """The state Slack sends for `view` after the person typed `answers` (by block id);
    untouched fields keep their initial values, as in Slack."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        block_id = block["block_id"]
        given = block_id in answers
        answer = answers.get(block_id)
        if kind == "plain_text_input":
            state = {"type": kind, "value": answer if given else element.get("initial_value")}
        elif kind == "static_select":
            option = element.get("initial_option")
            if given:
                option = next(o for o in element["options"] if o["value"] == answer)
            state = {"type": kind, "selected_option": option}
        elif kind == "datepicker":
            state = {
                "type": kind,
                "selected_date": answer if given else element.get("initial_date"),
            }
        elif kind == "users_select":
            state = {
                "type": kind,
                "selected_user": answer if given else element.get("initial_user"),
            }
        else:
            raise AssertionError(f"no filling for {kind}")
        values[block_id] = {element["action_id"]: state}
    return {"values": values}


def view_submission(
    view: dict[str, Any], answers: dict[str, str | None], user: User = MAYA, view_id: str = ""
) -> str:
    submitted = {
        "id": view_id or f"V{uuid.uuid4().hex[:10].upper()}",
        "team_id": user.team,
        "type": "modal",
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view["callback_id"],
        "state": fill_view(view, answers),
        "hash": "1700000000.abcdefgh",
        "title": view["title"],
        "clear_on_close": False,
        "notify_on_close": False,
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": "V0ROOT0001",
        "app_id": APP,
        "external_id": "",
        "app_installed_team_id": user.team,
        "bot_id": "B0BOT0001",
    }
    payload = {
        "type": "view_submission",
        "team": {"id": user.team, "domain": "testteam"},
        "user": _user(user),
        "api_app_id": APP,
        "token": "verification-token-unused",
        "trigger_id": f"{int(time.time())}.5678.efgh",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)})


def event_callback(
    event: dict[str, Any], event_id: str, team: str = TEAM, bot_id: str = "U0BOT0001"
) -> str:
    """An Events API delivery of `event`, in the envelope Slack wraps every event in."""
    now = time.time()
    return json.dumps(
        {
            "token": "verification-token-unused",
            "team_id": team,
            "api_app_id": APP,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": bot_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def app_mention(text: str, event_id: str, user: User = MAYA, bot_id: str = "U0BOT0001") -> str:
    event = {
        "type": "app_mention",
        "user": user.id,
        "text": f"<@{bot_id}> {text}",
        "ts": f"{time.time():.6f}",
        "channel": CHANNEL,
    }
    return event_callback(event, event_id, user.team, bot_id)


def checkbox_action(
    element: dict[str, Any],
    block_id: str,
    ticked: list[str],
    user: User = MAYA,
    channel: str = "D0DM00001",
    response_url: str = "",
) -> str:
    """Ticking checkboxes in a message the bot sent (a DM): Slack sends every option that
    is ticked now."""
    options = {o["value"]: o for o in element["options"]}
    payload = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP,
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000300",
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{int(time.time())}.4321.dcba",
        "team": {"id": user.team, "domain": "testteam"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000300", "text": "", "blocks": []},
        "state": {"values": {block_id: {element["action_id"]: {"type": "checkboxes"}}}},
        "response_url": response_url,
        "actions": [
            {
                "type": "checkboxes",
                "action_id": element["action_id"],
                "block_id": block_id,
                "selected_options": [options[v] for v in ticked],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def app_home_opened(event_id: str, user: User = MAYA) -> str:
    event = {"type": "app_home_opened", "user": user.id, "channel": "D0DM00001", "tab": "home"}
    return event_callback(event, event_id, user.team)
