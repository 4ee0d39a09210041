"""Any text in any command or payload field, and the hostile strings of the apex recipes
export (script tags, SQL, emoji, zalgo, Slack mention syntax), through every way in and
every rendering: no unhandled exception, stored exactly, shown inert."""

from __future__ import annotations

import csv
import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import Message, Modal, render
from bot.render.digest import render_digest
from bot.render.failures import BROKEN, DB_DOWN
from bot.render.home import home_blocks
from commands import checklist, cleanup
from commands.actions import assign as assigning
from commands.context import Actor, Env, Place, Pressed, Submitted
from commands.councils import command as council
from commands.deals import command as deal
from commands.demo import load_demo
from commands.digest import build_digest
from commands.home import build_home
from commands.registry import SLASH_COMMANDS
from commands.results import Problem
from store import councils as store_councils
from tests.support.crm import crm_file
from tests.support.fake_slack import FakeSlack
from tests.support.http_app import RunningApp
from tests.support.slack_requests import (
    FORM,
    User,
    app_mention,
    post,
    slash_command,
    view_submission,
)

ADMIN = Actor("local", "U0DEMO001", "Maya Chen", "console")
REP = Actor("local", "U0DEMO004", "Jo Park", "console")
# Derandomized: CI tries the same inputs each run, so a commit is green or red for good;
# change the seed (or run with --hypothesis-seed) to explore further.
EXAMPLES = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Slack's mrkdwn entities we write ourselves: user and channel mentions by id, links.
OURS = re.compile(r"<(?:@U[A-Z0-9]+|#C[A-Z0-9]+(?:\|[^<>]*)?|https?://[^<>|]+(?:\|[^<>]*)?)>")
# Anything that looks like text people typed (ASCII and beyond, quotes, mentions).
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80
) | st.sampled_from(
    [
        '<!channel> "quoted',
        "<@U0DEMO004> <#C123|x> <https://evil.example|click>",
        "'; DROP TABLE deals; --",
        "amount=-5 close=yesterday stage=",
        "Ẓ̵̢̙̘͎a̸̡̛͓l̶̨̛g̶o̷ 🐵 ‮ rtl",
        "\u0000\u0007\ufeff",
        "x" * 3000,
    ]
)


def texts_of(shown: Message | Modal) -> list[str]:
    """Every piece of mrkdwn in a message or modal (plain text is never parsed for
    mentions or links, so it may hold anything)."""
    blocks = shown.blocks if isinstance(shown, Message) else shown.view.get("blocks", [])
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def assert_inert(shown: Message | Modal) -> None:
    """No `<` or `>` reaches Slack except in the entities the bot writes itself."""
    for text in texts_of(shown):
        leftover = OURS.sub("", text)
        assert "<" not in leftover and ">" not in leftover, text


@pytest.fixture
def demo(env: Env) -> Env:
    load_demo(env)
    return env


@pytest.mark.parametrize("command", sorted(SLASH_COMMANDS))
@EXAMPLES
@given(text=TYPED)
def test_any_text_after_any_command_gets_an_answer(demo: Env, command: str, text: str):
    for who in (ADMIN, REP):
        result = SLASH_COMMANDS[command].run(demo, who, text)
        assert result is not None
        assert_inert(render(result))


@EXAMPLES
@given(
    action=st.sampled_from(["deal.pick", "deal.create", "deal.snooze", "deal.other"]),
    value=TYPED | st.builds(json.dumps, st.dictionaries(st.text(max_size=8), TYPED, max_size=4)),
    selected=st.lists(TYPED, max_size=6),
    deal_id=st.integers(min_value=-5, max_value=10**12),
)
def test_any_button_value_or_ticked_box_gets_an_answer(
    demo: Env, action: str, value: str, selected: list[str], deal_id: int
):
    results = [
        deal.press(demo, REP, Pressed(action, value)),
        assigning.open_form(demo, ADMIN, value, Place()),
        checklist.answer(demo, REP, deal_id, selected),
        cleanup.snooze(demo, REP, deal_id, value, value, f"k{hash((value, deal_id))}"),
    ]
    for result in results:
        assert_inert(render(result))


@EXAMPLES
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "account",
                "stage",
                "amount",
                "close",
                "next",
                "category",
                "product",
                "region",
                "owner",
            ]
        ),
        TYPED,
        max_size=10,
    )
)
def test_any_form_input_is_saved_or_refused_by_field(demo: Env, fields: dict[str, str]):
    result = deal.submit_form(
        demo, REP, Submitted(fields, {"deal": None}, f"form:{hash(repr(fields))}")
    )
    assert_inert(render(result))


def hostile_strings() -> list[str]:
    path = crm_file("salesforce_apex_recipes", "Opportunities.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        found = {row["description"] for row in csv.DictReader(handle)}
    return sorted(s for s in found if s.strip())


def test_the_apex_hostile_strings_are_stored_exactly_and_shown_inert(demo: Env, clock):
    strings = hostile_strings()
    assert len(strings) >= 30
    council.run(demo, ADMIN, "create #pipeline dimensions=product,region tz=UTC")
    saved_ids = []
    for n, text in enumerate(strings):
        values = {
            "name": f"{text[:200]} {n}",
            "account": text[:255],
            "next": text,
            "region": text[:100].strip() or "x",
            "stage": "Decision",
            "amount": "10k",
            "close": "2026-12-15",
        }
        result = deal.submit_form(demo, ADMIN, Submitted(values, {"deal": None}, f"hostile:{n}"))
        shown = render(result)
        assert_inert(shown)
        if isinstance(result, Problem) or not hasattr(result, "deal"):
            continue
        saved_ids.append((result.deal.id, text))
    assert len(saved_ids) == len(strings)  # every one is a valid deal
    for deal_id, text in saved_ids:
        card = deal.run(demo, ADMIN, f"show #{deal_id}")
        assert card.deal.next_step == " ".join(text.split()) or card.deal.next_step == text  # type: ignore[union-attr]
        assert_inert(render(card))
    for command in ("/deal list all", "/apm region", "/coverage region EMEA", "/forecast"):
        name, _, rest = command.partition(" ")
        assert_inert(render(SLASH_COMMANDS[name].run(demo, ADMIN, rest)))
    with demo.db.transaction() as session:
        found = store_councils.council_named(session, "local", "pipeline")
        assert found is not None
        payload = render_digest(build_digest(session, found, datetime.now(UTC)), 1)
    for message in payload["messages"]:
        if message.get("blocks"):
            assert_inert(Message(message["text"], message["blocks"]))
    assert_inert(Message("home", home_blocks(build_home(demo, ADMIN))))


# Through the signed HTTP endpoint, as Slack delivers them: every field our listeners read
# may hold anything a person, or someone forging a team's traffic with its secret, could
# put there.
HTTP_EXAMPLES = settings(EXAMPLES, max_examples=40)
HTTP_ADMIN = User("U0DEMO001", "maya", "local")
HTTP_REP = User("U0DEMO004", "jo", "local")
IDS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12)


ANSWERS = ("response_url", "views.open")


def settle(
    slack: FakeSlack, quiet: float = 0.1, limit: float = 10.0, answered: bool = False
) -> None:
    """Wait until the bot has stopped calling Slack: its work runs after the ack. With
    `answered`, wait for its answer too: on a busy machine the work between looking the
    person up (`users.info`) and answering may outlast one quiet spell."""
    deadline = time.monotonic() + limit

    def waiting() -> bool:
        return answered and not any(c.method in ANSWERS for c in slack.calls)

    seen = -1
    while (len(slack.calls) != seen or waiting()) and time.monotonic() < deadline:
        seen = len(slack.calls)
        time.sleep(quiet)


def assert_answered_inertly(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    """No listener failed (each failure is logged and apologised for), and everything the
    bot sent is inert."""
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
    for call in slack.calls:
        text = str(call.params.get("text") or "")
        assert BROKEN not in text and DB_DOWN not in text, text
        shown = Modal(call.view()) if call.method == "views.open" else Message(text, call.blocks())
        assert_inert(shown)


@pytest.fixture
def hostile_http(demo: Env, http_app: RunningApp, slack: FakeSlack) -> RunningApp:
    return http_app


@HTTP_EXAMPLES
@given(command=st.sampled_from(sorted(SLASH_COMMANDS)), text=TYPED, rep=st.booleans())
def test_any_text_through_http_gets_one_answer(
    hostile_http: RunningApp,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    command: str,
    text: str,
    rep: bool,
):
    slack.calls.clear()
    user = HTTP_REP if rep else HTTP_ADMIN
    body = slash_command(command, text, slack.response_url(), user)
    assert post(hostile_http.events_url, body, content_type=FORM).status == 200
    settle(slack, answered=True)
    answers = [c for c in slack.calls if c.method in ANSWERS]
    assert len(answers) == 1, [c.method for c in slack.calls]
    assert_answered_inertly(slack, caplog)


@HTTP_EXAMPLES
@given(
    action_id=st.sampled_from(
        ["deal.pick", "deal.create", "deal.snooze", "deal.edit", "cell.assign", "action.done"]
    )
    | st.just("checklist.answer"),
    block_id=TYPED,
    value=TYPED | st.builds(json.dumps, st.dictionaries(st.text(max_size=8), TYPED, max_size=4)),
    ticked=st.lists(TYPED, max_size=4),
    user_id=IDS,
    channel=IDS,
    thread_ts=st.none() | TYPED,
)
def test_any_payload_field_of_a_button_through_http_is_inert(
    hostile_http: RunningApp,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    action_id: str,
    block_id: str,
    value: str,
    ticked: list[str],
    user_id: str,
    channel: str,
    thread_ts: str | None,
):
    slack.calls.clear()
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": "1.2"}
    if action_id == "checklist.answer":
        options = [
            {"text": {"type": "plain_text", "text": t[:75] or "x"}, "value": t} for t in ticked
        ]
        action |= {"type": "checkboxes", "selected_options": options}
    else:
        action |= {"type": "button", "value": value, "text": {"type": "plain_text", "text": "b"}}
    payload = {
        "type": "block_actions",
        "user": {
            "id": "U" + user_id,
            "username": value[:20],
            "name": value[:20],
            "team_id": "local",
        },
        "api_app_id": "A0COUNCIL1",
        "token": "unused",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C" + channel},
        "trigger_id": "1.2.3",
        "team": {"id": "local", "domain": value[:20]},
        "channel": {"id": "C" + channel, "name": value[:20]},
        "message": {"type": "message", "ts": "1.1", "thread_ts": thread_ts, "text": value},
        "state": {"values": {}},
        "response_url": slack.response_url(),
        "actions": [action],
    }
    body = urlencode({"payload": json.dumps(payload)})
    assert post(hostile_http.events_url, body, content_type=FORM).status == 200
    settle(slack)
    assert_answered_inertly(slack, caplog)


@HTTP_EXAMPLES
@given(form=st.sampled_from(["deal", "snooze"]), typed=st.lists(TYPED, min_size=6, max_size=6))
def test_any_form_field_through_http_is_saved_or_refused_by_field(
    hostile_http: RunningApp,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    form: str,
    typed: list[str],
):
    slack.calls.clear()
    opener = "" if form == "deal" else "snooze 1"
    body = slash_command("/deal", opener, slack.response_url(), HTTP_REP)
    post(hostile_http.events_url, body, content_type=FORM)
    settle(slack)
    opened = slack.calls_to("views.open")
    if not opened:  # Jo's deal 1 may be gone or not Jo's: the answer said why
        assert_answered_inertly(slack, caplog)
        return
    view = opened[0].view()
    texts = [
        b["block_id"]
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    ]
    answers = dict(zip(texts, typed, strict=False))
    submission = view_submission(view, answers, user=HTTP_REP)
    reply = post(hostile_http.events_url, submission, content_type=FORM)
    assert reply.status == 200
    if reply.body:
        sent = json.loads(reply.body)
        assert sent["response_action"] == "errors" and set(sent["errors"]) <= set(texts) | {
            "name",
            "reason",
        }
    settle(slack)
    assert_answered_inertly(slack, caplog)


@HTTP_EXAMPLES
@given(text=TYPED, event_id=IDS)
def test_any_mention_through_http_is_answered_inertly(
    hostile_http: RunningApp,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    text: str,
    event_id: str,
):
    slack.calls.clear()
    body = app_mention(f"<@U0BOT0001> {text}", "Ev" + event_id, user=HTTP_REP)
    assert post(hostile_http.events_url, body, content_type="application/json").status == 200
    settle(slack)
    assert_answered_inertly(slack, caplog)


# What follows an assignment: the thread, the owner's DM, the cell's message, and the
# owner's reminders. Their `text` is mrkdwn too (a DM has no blocks), so it is checked.
class RecordingSlack:
    """A Web API that answers like Slack and keeps every message the bot sent."""

    PERMALINK = "https://acme.slack.com/archives/C0COUNCIL1/p1700000000000100"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.sent.append(Message(kwargs.get("text", ""), kwargs.get("blocks") or []))
        return {"ok": True, "ts": f"17000000{len(self.sent):02d}.000100"}

    def chat_update(self, **kwargs: Any) -> dict[str, Any]:
        return self.chat_postMessage(**kwargs)

    def chat_getPermalink(self, **kwargs: Any) -> dict[str, Any]:
        return {"ok": True, "permalink": self.PERMALINK}

    def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
        return {"ok": True, "files": []}

    def conversations_open(self, **kwargs: Any) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D0OWNER01"}}

    def conversations_history(self, **kwargs: Any) -> dict[str, Any]:
        return {"ok": True, "messages": [], "has_more": False}

    def conversations_replies(self, **kwargs: Any) -> dict[str, Any]:
        return self.conversations_history(**kwargs)


def assert_text_inert(text: str, ours: int = 0) -> None:
    """A message's text: no `<` or `>` but in the bot's own entities (`ours` of them)."""
    assert len(OURS.findall(text)) == ours, text
    leftover = OURS.sub("", text)
    assert "<" not in leftover and ">" not in leftover, text


@EXAMPLES
@given(
    council_name=TYPED,
    cell=TYPED,
    owner=TYPED,
    kind=TYPED,
    description=TYPED
    | st.just("Budget <!channel> <https://evil.example/login|Open the thread> ``` *x*"),
    shown_at=TYPED,
    why=st.sampled_from(["tomorrow", "today", "overdue"]),
)
def test_typed_text_is_inert_in_every_message_that_follows_an_assignment(
    council_name: str, cell: str, owner: str, kind: str, description: str, shown_at: str, why: str
):
    from datetime import date

    from bot.render.actions import reminder_text
    from bot.webapi.notices import announce
    from commands.actions.results import (
        ActionAssigned,
        ActionChanged,
        ActionList,
        ActionView,
        CellHistory,
        Reminder,
    )

    place = Place("C0COUNCIL1", "1700000000.000100", "1700000000.000200")
    action = ActionView(
        7,
        council_name,
        "R1",
        cell,
        owner,
        "U0DEMO004",
        kind,
        description,
        date(2026, 12, 4),
        "open",
        False,
        None,
        "red",
        shown_at,
        place,
    )
    assigned = ActionAssigned(action, owner)
    for result in (
        assigned,
        ActionList(council_name, [action], description),
        ActionChanged(action, description),
        CellHistory(council_name, cell, [("2026-W48", "red", shown_at)], [action], {7: [kind]}),
    ):
        shown = render(result)
        assert_inert(shown)
        assert isinstance(shown, Message)
        assert_text_inert(shown.text, ours=shown.text.count("<@U0DEMO004>"))
    reminder = reminder_text(Reminder("local", action, why, date(2026, 12, 4)))
    assert_text_inert(reminder)
    assert reminder.count("`") == 4, reminder  # the bot's two code spans, no typed one
    slack = RecordingSlack()
    announce(slack, assigned)  # type: ignore[arg-type]
    assert len(slack.sent) == 3  # the thread, the owner's DM, the cell's message
    for message in slack.sent:
        assert_inert(message)
        assert_text_inert(message.text, ours=len(OURS.findall(message.text)))
    dm = slack.sent[1].text
    assert OURS.findall(dm) == [f"<{RecordingSlack.PERMALINK}|Open the thread>"], dm
