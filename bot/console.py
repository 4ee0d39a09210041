"""The console connector: the same commands and replies as Slack, in a terminal."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.action_notices import announce
from bot.actions_render import ACTION_FORM
from bot.cleanup_render import SNOOZE_FORM
from bot.console_slack import ConsoleSlack
from bot.home_render import home_blocks
from bot.listeners.safety import reply_on_failure
from bot.render import Message, Modal, form_values, render
from bot.text import blocks_text, input_blocks
from commands import actions, checklist, cleanup, councils, deal
from commands.context import Actor, Env
from commands.deal_results import FormErrors
from commands.home import build_home
from commands.registry import SLASH_COMMANDS
from commands.workspace import identity
from schedules.digests import deliver
from schedules.nudges import send_nudges
from schedules.reminders import send_reminders

PROMPT = "council> "
LOCAL_USER = ("ULOCAL", "you")
CONSOLE_HELP = """Type commands as in Slack: /deal, /apm, /coverage, /forecast, /actions, /council
(try /deal help).
A number presses that button in the last reply.
/as NAME acts as someone else (e.g. /as Jo Park); /whoami; quit or Ctrl-D leaves.
/home shows your App Home; /digest COUNCIL [force] posts this week's digest here;
/remind sends due reminders; /nudge sends the weekly DMs that are due;
/time 2026-12-01T09:00 sets the console's clock (/time now resets it)."""


class Console:
    """A read-eval-print loop over the embedded store."""

    def __init__(
        self,
        env: Env,
        workspace_id: str,
        out: TextIO,
        ask: Callable[[str], str],
        user: tuple[str, str] | None = None,
    ) -> None:
        self.real_clock = env.clock
        self.fixed: datetime | None = None
        self.env = Env(env.db, self.now)
        self.workspace_id = workspace_id
        self.out = out
        self.ask = ask
        with env.db.transaction() as session:
            self.user = user or identity(session, workspace_id, None) or LOCAL_USER
        self.buttons: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.slack = ConsoleSlack(self.print_message, Path("."))

    def now(self) -> datetime:
        return self.fixed or self.real_clock()

    def actor(self, via: str = "console") -> Actor:
        return Actor(self.workspace_id, self.user[0], self.user[1], via, "console")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def loop(self) -> None:
        self.say(CONSOLE_HELP)
        self.say(f"You are {self.user[1]}.")
        while True:
            try:
                line = self.ask(PROMPT)
            except (EOFError, KeyboardInterrupt):
                self.say("")
                return
            if line.strip().lower() in ("quit", "exit", "/quit", "/exit"):
                return
            # The console, like Slack, never shows a stack trace: it says what happened.
            with reply_on_failure(self.say, line.split(" ")[0]):
                self.handle(line.strip())

    def handle(self, line: str) -> None:
        """Carry out one line, as Slack would carry out the same command."""
        if not line:
            return
        if line.isdigit():
            self.press(int(line))
            return
        self.buttons = []
        name, _, text = line.partition(" ")
        if name in SLASH_COMMANDS:
            self.show(SLASH_COMMANDS[name](self.env, self.actor(), text))
        elif name == "/as":
            self.switch(text.strip())
        elif name == "/digest":
            self.digest(text.strip())
        elif name == "/remind":
            sent = send_reminders(self.env, lambda _workspace: self.slack, self.workspace_id)
            self.say(f"{len(sent)} reminders sent.")
        elif name == "/nudge":
            nudged = send_nudges(self.env, lambda _workspace: self.slack, self.workspace_id)
            self.say(f"{len(nudged)} weekly nudges sent.")
        elif name == "/home":
            self.print_message("[Home]", home_blocks(build_home(self.env, self.actor("home"))), {})
        elif name == "/time":
            self.set_time(text.strip())
        elif name == "/whoami":
            self.say(f"You are {self.user[1]}.")
        elif name in ("/help", "help"):
            self.say(CONSOLE_HELP)
        else:
            self.say(f"`{name}` is not a command here. {CONSOLE_HELP}")

    def switch(self, name: str) -> None:
        with self.env.db.transaction() as session:
            found = identity(session, self.workspace_id, name)
        if found is None:
            self.say(f"No one called {name!r} here; /council people lists everyone.")
            return
        self.user = found
        self.say(f"You are {found[1]}.")

    def set_time(self, text: str) -> None:
        if text in ("", "now"):
            self.fixed = None
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                self.say("Write the time like 2026-12-01T09:00 (UTC unless a zone is given).")
                return
            self.fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        self.say(f"The console's clock says {self.now():%Y-%m-%d %H:%M %Z}.")

    def digest(self, text: str) -> None:
        name, _, force = text.partition(" ")
        with self.env.db.transaction() as session:
            council_id = councils.find(session, self.workspace_id, name).id
        kind = f"forced:{uuid.uuid4().hex[:12]}" if force.strip() == "force" else "scheduled"
        client = self.slack
        delivery = deliver(self.env, lambda _workspace: client, council_id, kind)
        if delivery.status != "posted":
            self.say(
                f"{delivery.council}: {delivery.status} ({delivery.detail}); "
                f"`/digest {name} force` posts another."
            )

    def print_message(
        self, title: str, blocks: list[dict[str, Any]], where: dict[str, Any]
    ) -> None:
        text, found = blocks_text(blocks, first=len(self.buttons) + 1)
        self.buttons += [(button, where) for button in found]
        self.say(f"{title}\n{text}".strip() if title else text)

    def show(self, result: object) -> None:
        shown = render(result)
        if isinstance(shown, Modal):
            self.fill(shown)
            return
        assert isinstance(shown, Message)
        self.print_message("", shown.blocks, {})

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.say("There is no such button in the last reply.")
            return
        button, where = self.buttons[number - 1]
        action, value = button["action_id"], button["value"]
        if button.get("type") == "checkbox":
            self.tick(button)
        elif action == "cell.assign":
            place = actions.Place(where.get("channel"), where.get("thread_ts"), where.get("ts"))
            self.show(actions.open_form(self.env, self.actor("button"), value, place))
        elif action == "action.done":
            self.show(actions.run(self.env, self.actor("button"), f"done {value}"))
        else:
            self.show(deal.press(self.env, self.actor("button"), action, value))

    def tick(self, box: dict[str, Any]) -> None:
        """Toggle one forecast question, saving the deal's whole set as Slack would."""
        ticked: list[str] = box["ticked"]
        chosen = [v for v in ticked if v != box["value"]]
        if box["value"] not in ticked:
            chosen.append(box["value"])
        deal_id = int(box["block_id"].removeprefix("checklist:"))
        result = checklist.answer(self.env, self.actor("checkbox"), deal_id, chosen)
        if isinstance(result, checklist.AnswerSaved):
            ticked[:] = chosen
        self.show(result)

    def fill(self, modal: Modal) -> None:
        """Ask for each field of a form in turn; Enter keeps what is shown, `-` clears it."""
        view = modal.view
        metadata = json.loads(view["private_metadata"])
        self.say(f"{view['title']['text']} (Enter keeps [the value shown], - clears it)")
        state: dict[str, Any] = {"values": {}}
        for block in input_blocks(view):
            state["values"][block["block_id"]] = {"value": self._ask_field(block)}
        values = form_values(state)
        key = f"console-form:{uuid.uuid4().hex}"
        if view["callback_id"] == ACTION_FORM:
            self.assign(metadata, values, key)
            return
        if view["callback_id"] == SNOOZE_FORM:
            self.snooze(int(metadata["deal"]), values, key)
            return
        deal_id = metadata.get("deal")
        while True:
            result = deal.submit_form(self.env, self.actor("modal"), deal_id, values, key)
            if not isinstance(result, FormErrors):
                self.show(result)
                return
            for field, message in result.errors.items():
                self.say(f"⚠️ {field}: {message}")
                entered = self.ask(f"  {field}: ").strip()
                if entered.lower() in ("quit", "cancel"):
                    self.say("Cancelled; nothing was saved.")
                    return
                values[field] = entered

    def snooze(self, deal_id: int, values: dict[str, str], key: str) -> None:
        while True:
            result = cleanup.snooze(
                self.env,
                self.actor("modal"),
                deal_id,
                values.get("until", ""),
                values.get("reason", ""),
                key,
            )
            if not isinstance(result, cleanup.SnoozeErrors):
                self.show(result)
                return
            for field, message in result.errors.items():
                self.say(f"⚠️ {field}: {message}")
                values[field] = self.ask(f"  {field}: ").strip()

    def assign(self, metadata: dict[str, Any], values: dict[str, str], key: str) -> None:
        cell = actions.Cell.from_json(metadata["cell"])
        place = actions.Place(
            metadata.get("channel"), metadata.get("thread_ts"), metadata.get("cell_ts")
        )
        while True:
            result = actions.assign(
                self.env,
                self.actor("modal"),
                cell,
                place,
                owner=values.get("owner", ""),
                kind=values.get("kind", ""),
                description=values.get("description", ""),
                due=values.get("due", ""),
                key=key,
            )
            if not isinstance(result, actions.AssignErrors):
                break
            for field, message in result.errors.items():
                self.say(f"⚠️ {field}: {message}")
                values[field] = self.ask(f"  {field}: ").strip()
        if isinstance(result, actions.ActionAssigned):
            announce(self.slack, result)
        else:
            self.show(result)

    def _ask_field(self, block: dict[str, Any]) -> dict[str, Any]:
        element = block["element"]
        label = block["label"]["text"]
        kind = element["type"]
        if kind == "static_select":
            options = element["options"]
            initial = element.get("initial_option", options[0])
            names = ", ".join(o["text"]["text"] for o in options)
            typed = self.ask(f"  {label} ({names}) [{initial['text']['text']}]: ").strip()
            chosen = (
                next(
                    (o for o in options if o["text"]["text"].lower().startswith(typed.lower())),
                    None,
                )
                if typed
                else initial
            )
            value = chosen["value"] if chosen else typed
            return {"type": kind, "selected_option": {"value": value}}
        initial = element.get("initial_value") or element.get("initial_date") or ""
        if kind == "users_select":
            initial = f"<@{element['initial_user']}>" if element.get("initial_user") else ""
        typed = self.ask(f"  {label} [{initial}]: ").strip()
        # Typed text goes to the command as typed: `next friday` is as good as a picked date.
        value = "" if typed == "-" else (typed or initial)
        return {"type": "plain_text_input", "value": value}
