"""A local stand-in for Slack's Web API and response URLs that records every call."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.support.block_rules import problems

BLOCK_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


@dataclass
class Call:
    method: str  # a Web API method such as chat.postMessage, or `response_url`
    params: dict[str, Any]
    path: str
    headers: dict[str, str] = field(default_factory=dict)

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def view(self) -> dict[str, Any]:
        view = self.params.get("view") or {}
        return json.loads(view) if isinstance(view, str) else view


# Failures that are not an answer. RESET drops the connection at once, without the call
# taking effect. HANG holds the connection past the client's timeout, then drops it, the call
# not taken. LATE takes the call (the message is posted) but answers only after the client
# has given up: the case that posts a message twice unless the bot looks before it retries.
RESET, HANG, LATE = 0, -1, -2


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    after: int = 0  # let this many calls succeed first


class FakeSlack:
    """Answers like Slack; `fail_next` makes the next calls of a method fail first."""

    team_id = "T0TEST001"
    bot_user_id = "U0BOT0001"
    slow_seconds = 1.5  # how long HANG and LATE keep the client waiting

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, str] = {}  # user id -> display name, for users.info
        self.uploads: dict[str, bytes] = {}  # file id -> bytes uploaded
        self.filenames: dict[str, str] = {}  # file id -> the name it was uploaded under
        # conversation id -> its messages, oldest first, as conversations.history reads them
        self.conversations: dict[str, list[dict[str, Any]]] = {}
        self._changed = threading.Condition()
        self._failures: dict[str, list[Failure]] = {}
        self._ts = itertools.count(1)
        self.oauth_team = "T0NEW0001"  # the workspace an OAuth install says it is
        self.oauth_user = "U0NEWADM1"  # and who installed it
        self.rotation = False  # whether installs get expiring tokens (token rotation on)
        self.refreshes = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/response/{name}"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(
        self,
        method: str,
        status: int,
        body: dict[str, Any] | None = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
        after: int = 0,
    ) -> None:
        """Make `method` fail `times` times, once `after` more calls have succeeded."""
        body = body or {"ok": False, "error": "fatal_error"}
        failures = [Failure(status, body, headers or {}, after)]
        failures += [Failure(status, body, headers or {}) for _ in range(times - 1)]
        self._failures.setdefault(method, []).extend(failures)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages_in(self, conversation: str) -> list[dict[str, Any]]:
        """What the conversation shows (a user id means the bot's DM with that user)."""
        return self.conversations.get(self._conversation(conversation), [])

    def clear(self) -> None:
        """Forget every call, message, upload and pending failure."""
        self.calls.clear()
        self._failures.clear()
        self.uploads.clear()
        self.conversations.clear()
        self.oauth_team, self.rotation, self.refreshes = "T0NEW0001", False, 0
        self.oauth_user = "U0NEWADM1"

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls to `method` once there are `count` of them; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.calls_to(method)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s); saw {seen}")
                self._changed.wait(left)
            return self.calls_to(method)

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        if request.path.startswith("/upload/"):
            self.uploads[request.path.removeprefix("/upload/")] = body
            self._send(request, 200, {"ok": True}, {})
            return
        raw = body.decode()
        path, _, query = request.path.partition("?")
        if "json" in (request.headers.get("Content-Type") or ""):
            params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw or query))
        method = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
        failures = self._failures.get(method)
        if failures and failures[0].after > 0:
            failures[0].after -= 1
        elif failures:
            failure = failures.pop(0)
            call = Call(method, params, path, dict(request.headers))
            if failure.status == LATE:
                answer = self._take(method, params)
                self._record(call, failed=True)
                time.sleep(self.slow_seconds)
                self._reply_to_nobody(request, answer)
                return
            if failure.status in (RESET, HANG):
                self._record(call, failed=True)
                if failure.status == HANG:
                    time.sleep(self.slow_seconds)
                self._reset(request)
                return
            self._send(request, failure.status, failure.body, failure.headers)
            self._record(call, failed=True)
            return
        call = Call(method, params, path, dict(request.headers))
        refused = problems(call.blocks()) if method in BLOCK_METHODS else []
        if refused:
            # As Slack does: the message is not posted and the answer says why.
            self._send(
                request, 200, {"ok": False, "error": "invalid_blocks", "errors": refused}, {}
            )
            self._record(call, failed=True)
            return
        answer = self._take(method, params)
        self._record(call)
        self._send(request, 200, answer, {})

    def _take(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Carry out the call, keeping what it posts, and make its answer."""
        answer = self._answer(method, params)
        if method == "chat.postMessage":
            conversation = self._conversation(str(params.get("channel", "")))
            metadata = params.get("metadata")
            message = {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": "B0BOT0001",
                "ts": answer["ts"],
                "text": params.get("text", ""),
                "thread_ts": params.get("thread_ts"),
                "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
            }
            self.conversations.setdefault(conversation, []).append(message)
            answer["channel"] = conversation
        if method == "files.getUploadURLExternal":
            self.filenames[answer["file_id"]] = str(params.get("filename"))
        if method == "files.completeUploadExternal" and params.get("channel_id"):
            files = json.loads(params.get("files") or "[]")
            message = {
                "type": "message",
                "user": self.bot_user_id,
                "ts": self._next_ts(),
                "files": [
                    {
                        "id": f["id"],
                        "title": f.get("title", ""),
                        "name": self.filenames.get(f["id"]),
                    }
                    for f in files
                ],
                "thread_ts": params.get("thread_ts"),
            }
            self.conversations.setdefault(str(params["channel_id"]), []).append(message)
        return answer

    def _reply_to_nobody(self, request: BaseHTTPRequestHandler, answer: dict[str, Any]) -> None:
        # The client gave up waiting; its socket may be gone already.
        with contextlib.suppress(OSError):
            self._send(request, 200, answer, {})

    @staticmethod
    def _conversation(channel: str) -> str:
        """Posting to a user id posts in the bot's DM with them, a D conversation."""
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"

    def _record(self, call: Call, failed: bool = False) -> None:
        if failed:
            call.method = f"{call.method}!failed"
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "council",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "B0BOT0001",
            },
            "chat.postMessage": {"channel": params.get("channel"), "ts": ts},
            "chat.postEphemeral": {"message_ts": ts},
            "chat.update": {"channel": params.get("channel"), "ts": params.get("ts")},
            "chat.getPermalink": {
                "permalink": f"https://test.slack.com/archives/{params.get('channel')}/"
                f"p{str(params.get('message_ts', '')).replace('.', '')}"
            },
            "views.open": {"view": {"id": f"V{ts}"}},
            "views.update": {"view": {"id": f"V{ts}"}},
            "views.publish": {"view": {"id": f"V{ts}"}},
            "files.getUploadURLExternal": {
                "upload_url": f"{self.base}/upload/F{ts}",
                "file_id": f"F{ts}",
            },
            "files.completeUploadExternal": {
                "files": [
                    {"id": f["id"], "title": f.get("title", "")}
                    for f in json.loads(params.get("files") or "[]")
                ]
            },
        }
        if method == "oauth.v2.access":
            team = self.oauth_team
            if params.get("grant_type") == "refresh_token":
                self.refreshes += 1
                return {
                    "ok": True,
                    "token_type": "bot",
                    "access_token": f"xoxb-refreshed-{self.refreshes}",
                    "refresh_token": f"xoxe-1-refresh-{self.refreshes}",
                    "expires_in": 43200,
                }
            rotation = (
                {"refresh_token": "xoxe-1-refresh-0", "expires_in": 60} if self.rotation else {}
            )
            return {
                **rotation,
                "ok": True,
                "app_id": "A0COUNCIL1",
                "authed_user": {"id": self.oauth_user},
                "scope": "commands,chat:write,files:write,im:write,users:read",
                "token_type": "bot",
                "access_token": f"xoxb-installed-{team}",
                "bot_user_id": "U0BOT0002",
                "team": {"id": team, "name": "New Team"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        if method in ("conversations.history", "conversations.replies"):
            return self._history(method, params)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self._conversation(str(params.get("users")))}}
        if method == "users.info":
            user_id = params.get("user", "")
            if user_id not in self.users:
                return {"ok": False, "error": "user_not_found"}
            name = self.users[user_id]
            profile = {"display_name": name, "real_name": name.title()}
            return {
                "ok": True,
                "user": {"id": user_id, "name": name, "tz": "Europe/Paris", "profile": profile},
            }
        return {"ok": True, **answers.get(method, {})}

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The conversation's messages newest first, or a thread's oldest first, as Slack
        pages them; metadata only when asked for."""
        messages = self.conversations.get(str(params.get("channel")), [])
        if method == "conversations.history":
            chosen = [m for m in reversed(messages) if m["thread_ts"] in (None, m["ts"])]
        else:
            parent = str(params.get("ts"))
            chosen = [m for m in messages if parent in (m["ts"], m["thread_ts"])]
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 100)
        page = chosen[start : start + limit]
        if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(chosen)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    @staticmethod
    def _reset(request: BaseHTTPRequestHandler) -> None:
        """Drop the connection without an answer, as a reset by the network does."""
        request.close_connection = True
        request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.connection.close()

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
