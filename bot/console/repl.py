"""The console connector: the same commands and replies as Slack, in a terminal."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.console.slack_standin import ConsoleSlack
from bot.console.text import blocks_text, input_blocks
from bot.render import Message, Modal, render
from bot.render.failures import reply_on_failure
from bot.render.home import home_blocks
from bot.webapi.notices import announce, tell_marketing
from bot.webapi.outlet import WebApiOutlet
from commands.actions.results import ActionAssigned
from commands.context import Actor, Env, Place, Pressed, Submitted
from commands.councils import meeting as councils
from commands.home import build_home
from commands.registry import BUTTONS, FORMS, SLASH_COMMANDS
from commands.results import FormErrors, Problem, Refused
from commands.sla.handoff import LeadDecided
from commands.workspace import identity
from schedules.digests import deliver
from schedules.handoffs import send_lead_notices
from schedules.nudges import send_nudges
from schedules.outlet import OutletFor
from schedules.reminders import send_reminders

PROMPT = "council> "
LOCAL_USER = ("ULOCAL", "you")
CONSOLE_HELP = f"""Type commands as in Slack: {", ".join(SLASH_COMMANDS)}
(try /deal help).
A number presses that button in the last reply.
/as NAME acts as someone else (e.g. /as Jo Park); /whoami; quit or Ctrl-D leaves.
/home shows your App Home; /digest COUNCIL [force] posts this week's digest here;
/remind sends due reminders; /nudge sends the weekly DMs that are due;
/handoff sends the lead hand-off's due notices (new MQLs, reminders, breaches);
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
        image_dir: Path | None = None,
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
        # Images go to a folder of their own, never the working directory (a checkout).
        folder = image_dir or Path(tempfile.mkdtemp(prefix="council-images-"))
        self.slack = ConsoleSlack(self.print_message, folder)
        outlet = WebApiOutlet(self.slack)
        self.outlet_for: OutletFor = lambda _workspace: outlet

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
            self.show(SLASH_COMMANDS[name].run(self.env, self.actor(), text))
        elif name == "/as":
            self.switch(text.strip())
        elif name == "/digest":
            self.digest(text.strip())
        elif name == "/remind":
            sent = send_reminders(self.env, self.outlet_for, self.workspace_id)
            self.say(f"{len(sent)} reminders sent.")
        elif name == "/handoff":
            notices = send_lead_notices(self.env, self.outlet_for, self.workspace_id)
            self.say(f"{len(notices)} lead hand-off notices sent.")
        elif name == "/nudge":
            nudged = send_nudges(self.env, self.outlet_for, self.workspace_id)
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
        delivery = deliver(self.env, self.outlet_for, council_id, kind)
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
        """Press a button of the last reply, as Slack would deliver the press."""
        if not 1 <= number <= len(self.buttons):
            self.say("There is no such button in the last reply.")
            return
        button, where = self.buttons[number - 1]
        spec = BUTTONS[button["action_id"]]
        place = Place(where.get("channel"), where.get("thread_ts"), where.get("ts"))
        if button.get("type") != "checkbox":
            pressed = Pressed(button["action_id"], button["value"], place)
            self.show(spec.press(self.env, self.actor("button"), pressed))
            return
        # A checkbox toggles one question, and the deal's whole set is saved, as in Slack.
        ticked: list[str] = button["ticked"]
        chosen = [v for v in ticked if v != button["value"]]
        if button["value"] not in ticked:
            chosen.append(button["value"])
        pressed = Pressed(
            button["action_id"], place=place, block_id=button["block_id"], selected=tuple(chosen)
        )
        result = spec.press(self.env, self.actor("checkbox"), pressed)
        if not isinstance(result, (Problem, Refused)):
            ticked[:] = chosen
        self.show(result)

    def fill(self, modal: Modal) -> None:
        """Ask for each field of a form in turn; Enter keeps what is shown, `-` clears it.
        A field the form refuses is asked again; `cancel` leaves with nothing saved."""
        view = modal.view
        form = FORMS[view["callback_id"]]
        metadata = json.loads(view["private_metadata"])
        self.say(f"{view['title']['text']} (Enter keeps [the value shown], - clears it)")
        values = {block["block_id"]: self._ask_field(block) for block in input_blocks(view)}
        key = f"console-form:{uuid.uuid4().hex}"
        while True:
            result = form.submit(self.env, self.actor("modal"), Submitted(values, metadata, key))
            if not isinstance(result, FormErrors):
                break
            for field, message in result.errors.items():
                self.say(f"⚠️ {field}: {message}")
                entered = self.ask(f"  {field}: ").strip()
                if entered.lower() in ("quit", "cancel"):
                    self.say("Cancelled; nothing was saved.")
                    return
                values[field] = entered
        if isinstance(result, ActionAssigned):
            announce(self.slack, result)
        else:
            if isinstance(result, LeadDecided) and result.marketing_channel:
                tell_marketing(self.slack, result)
            self.show(result)

    def _ask_field(self, block: dict[str, Any]) -> str:
        """One field's answer as the form's text: a choice by its first letters."""
        element = block["element"]
        label = block["label"]["text"]
        if element["type"] == "static_select":
            options = element["options"]
            initial = element.get("initial_option", options[0])
            names = ", ".join(o["text"]["text"] for o in options)
            typed = self.ask(f"  {label} ({names}) [{initial['text']['text']}]: ").strip()
            if not typed:
                return str(initial["value"])
            chosen = next(
                (o for o in options if o["text"]["text"].lower().startswith(typed.lower())), None
            )
            return str(chosen["value"]) if chosen else typed
        initial = element.get("initial_value") or element.get("initial_date") or ""
        if element["type"] == "users_select":
            initial = f"<@{element['initial_user']}>" if element.get("initial_user") else ""
        typed = self.ask(f"  {label} [{initial}]: ").strip()
        # Typed text goes to the command as typed: `next friday` is as good as a picked date.
        return "" if typed == "-" else (typed or initial)
