"""The /actions family: owners and actions for the council's red cells, and whether they
worked."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.councils import find
from commands.deal_fields import find_person
from commands.metrics import COLUMN_NAMES
from commands.parsing import DATE_EXAMPLES, ParseError, clean, match_by_prefix, parse_date
from commands.permissions import acts_for, is_manager
from commands.results import CommandError, Duplicate, Help, Notice, Problem, Refused, read_words
from commands.workspace import ensure_person
from store import actions as store_actions
from store import councils as store_councils
from store import keys, people, workspaces
from store.db import retry_transient
from store.deals import MAX_ID
from store.models import Action, ActionEvent, Council, DigestCell, Person

KINDS = (
    "SPIFF",
    "Enablement",
    "Prospect dinner series",
    "Paid media budget",
    "Pipeline blitz",
    "Deal review",
    "Other",
)
DEFAULT_DUE = timedelta(days=7)
REMIND_AT = time(9, 0)
LOOP_WEEKS = 4
ASSIGN_EXAMPLE = '@Pipeline Council assign R3 @jane "SPIFF for EMEA" due friday'


def actions_help() -> str:
    """*Owners and actions for the council's red cells.*

    `/actions` lists your open actions; `/actions council NAME` the council's.
    `/actions done ID`, `/actions snooze ID DATE REASON` (quote a date of several words),
    `/actions reassign ID @user`, `/actions comment ID TEXT`.
    `/actions history ID` (or `/actions history DIMENSION VALUE COLUMN [council NAME]`)
    shows a cell's colour in each digest and its actions.
    In a digest's thread: `@Pipeline Council assign R3 @jane "SPIFF for EMEA" due friday`.
    """
    return inspect.cleandoc(actions_help.__doc__ or "")


@dataclass(frozen=True)
class Cell:
    """Which cell of which council's digest: what the Assign owner button carries."""

    council: int
    run: int | None
    label: str
    dimension: str
    value: str
    column: str
    period: str

    @classmethod
    def from_json(cls, text: str) -> Cell:
        data = json.loads(text)
        run = data.get("run")
        return cls(
            int(data["council"]),
            None if run is None else int(run),
            clean(str(data["label"])),
            clean(str(data["dimension"])),
            clean(str(data["value"])),
            clean(str(data["column"])),
            clean(str(data["period"])),
        )

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @property
    def title(self) -> str:
        return f"{self.label} · {self.dimension} {self.value} · {self.column}"


@dataclass(frozen=True)
class Place:
    """Where the cell's message is: its channel, the digest's thread, the cell's message."""

    channel: str | None = None
    thread_ts: str | None = None
    cell_ts: str | None = None


@dataclass(frozen=True)
class ActionView:
    id: int
    council: str
    label: str
    cell: str
    owner: str
    owner_user_id: str | None
    kind: str
    description: str
    due: date
    status: str
    overdue: bool
    snoozed_until: date | None
    color_at: str | None
    shown_at: str
    place: Place


@dataclass(frozen=True)
class ActionForm:
    cell: Cell
    place: Place
    kinds: list[str]
    due: date


@dataclass(frozen=True)
class ActionAssigned:
    action: ActionView
    assigned_by: str


@dataclass(frozen=True)
class ActionList:
    title: str
    actions: list[ActionView]
    empty: str


@dataclass(frozen=True)
class ActionChanged:
    action: ActionView
    what: str


@dataclass(frozen=True)
class CellHistory:
    council: str
    cell: str
    colours: list[tuple[str, str | None, str]] = field(default_factory=list)  # week, colour
    actions: list[ActionView] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)  # what was said, by action


@dataclass(frozen=True)
class AssignErrors:
    errors: dict[str, str]


@dataclass(frozen=True)
class Reminder:
    workspace_id: str
    action: ActionView
    why: str  # tomorrow, today or overdue
    day: date  # the owner's day it is for: one reminder per action and day
    again: bool = False  # an earlier attempt that day failed, and may have got through


def kinds_of(session: Session, workspace_id: str) -> list[str]:
    """The workspace's list of actions: its admins' own, or the defaults."""
    workspace = workspaces.get_workspace(session, workspace_id)
    return list((workspace.action_kinds if workspace else None) or KINDS)


def _today_of(person: Person | None, council: Council, now: datetime) -> date:
    zone = ZoneInfo((person.timezone if person else None) or council.timezone)
    return now.astimezone(zone).date()


def _view(session: Session, action: Action, today: date) -> ActionView:
    owner = people.get_person(session, action.workspace_id, action.owner_id)
    council = store_councils.get_council(session, action.council_id)
    return ActionView(
        action.id,
        council.name if council else "?",
        action.label,
        f"{action.dimension} {action.value} · {COLUMN_NAMES.get(action.column, action.column)}",
        owner.display_name if owner else "someone",
        owner.slack_user_id if owner else None,
        action.kind,
        action.description,
        action.due_date,
        action.status,
        action.status == "open" and action.due_date < today,
        action.snoozed_until,
        action.color_at,
        action.shown_at,
        Place(action.channel, action.thread_ts, action.cell_ts),
    )


def _managers_only(session: Session, me: Person) -> None:
    if not is_manager(me):
        names = [
            p.display_name
            for p in people.list_people(session, me.workspace_id)
            if p.role in ("manager", "admin")
        ]
        raise CommandError(
            Refused(
                "Only managers and admins assign owners to cells.",
                who_can=", ".join(names) or "an admin",
            )
        )


@retry_transient
def open_form(
    env: Env, actor: Actor, cell_json: str, place: Place
) -> ActionForm | Refused | Problem:
    """The form for assigning an owner to the cell a digest button names."""
    try:
        cell = Cell.from_json(cell_json)
        if not 0 < cell.council <= MAX_ID:
            raise ValueError(cell.council)
    except (ValueError, KeyError, TypeError, AttributeError):
        return Problem("That button no longer works; ask for this week's digest again.")
    try:
        with env.db.transaction() as session:
            me = ensure_person(session, actor, env.now())
            _managers_only(session, me)
            today = (
                env.now()
                .astimezone(ZoneInfo(_council(session, cell, me.workspace_id).timezone))
                .date()
            )
            return ActionForm(
                cell, place, kinds_of(session, actor.workspace_id), today + DEFAULT_DUE
            )
    except CommandError as error:
        assert isinstance(error.result, (Refused, Problem))
        return error.result


def _council(session: Session, cell: Cell, workspace_id: str) -> Council:
    """The cell's council, only if it is the asker's workspace's: a council id comes from a
    button's value, and another workspace's is as good as none."""
    council = store_councils.get_council(session, cell.council)
    if council is None or council.workspace_id != workspace_id:
        raise CommandError(Problem("That council no longer exists."))
    return council


def _snapshot(session: Session, cell: Cell) -> DigestCell | None:
    if cell.run is None:
        return None
    return next(
        (
            c
            for c in store_actions.cell_history(
                session, cell.council, cell.dimension, cell.value, cell.column
            )
            if c.run_id == cell.run
        ),
        None,
    )


@retry_transient
def assign(
    env: Env,
    actor: Actor,
    cell: Cell,
    place: Place,
    *,
    owner: str,
    kind: str,
    description: str,
    due: str,
    key: str,
    owner_timezone: str | None = None,
) -> ActionAssigned | AssignErrors | Refused | Problem | Duplicate:
    """Give the cell an owner, an action and a due date; `key` makes it happen once."""
    owner, kind, description, due = map(clean, (owner, kind, description, due))
    try:
        with env.db.transaction() as session:
            now = env.now()
            me = ensure_person(session, actor, now)
            _managers_only(session, me)
            if not keys.claim(session, actor.workspace_id, key, now):
                return Duplicate("Already done: that assignment was made a moment ago.")
            council = _council(session, cell, me.workspace_id)
            today = now.astimezone(ZoneInfo(council.timezone)).date()
            errors: dict[str, str] = {}
            person = find_person(session, actor.workspace_id, owner, now) if owner else None
            if person is None or isinstance(person, list):
                errors["owner"] = f"who owns it? mention one person, e.g. @jane (`{owner}`)"
            known = kinds_of(session, actor.workspace_id)
            kinds = match_by_prefix(kind, known) if kind else [known[-1]]
            if len(kinds) != 1:
                errors["kind"] = f"an action is one of {', '.join(known)}"
            try:
                due_date = parse_date(due, today) if due else today + DEFAULT_DUE
                if due_date < today:
                    errors["due"] = "the due date has passed; pick today or later"
            except ParseError as error:
                errors["due"] = f"{error}; write it like {DATE_EXAMPLES}"
            if errors:
                raise CommandError(AssignErrors(errors))
            assert isinstance(person, Person)
            if owner_timezone:
                person.timezone = owner_timezone
            snapshot = _snapshot(session, cell)
            action = store_actions.add_action(
                session,
                workspace_id=actor.workspace_id,
                council_id=cell.council,
                run_id=cell.run,
                label=cell.label,
                period=cell.period,
                dimension=cell.dimension,
                value=cell.value,
                column=cell.column,
                color_at=snapshot.color if snapshot else None,
                shown_at=snapshot.shown if snapshot else "",
                owner_id=person.id,
                assigned_by_id=me.id,
                kind=kinds[0],
                description=(description or kinds[0]).strip()[:1000],
                due_date=due_date,
                status="open",
                channel=place.channel,
                thread_ts=place.thread_ts,
                cell_ts=place.cell_ts,
                created_at=now,
            )
            store_actions.add_event(
                session,
                action.id,
                now,
                me.id,
                "assigned",
                f"{person.display_name}: {action.description}",
            )
            return ActionAssigned(_view(session, action, today), me.display_name)
    except CommandError as error:
        return error.result  # type: ignore[return-value]


@retry_transient
def assign_from_thread(
    env: Env,
    actor: Actor,
    channel: str,
    thread_ts: str | None,
    text: str,
    key: str,
    owner_timezone: str | None = None,
) -> ActionAssigned | AssignErrors | Refused | Problem | Duplicate:
    """`assign R3 @jane "SPIFF for EMEA" due friday`, typed in a digest's thread."""
    if not thread_ts:
        return Problem(
            "Assign owners in the digest's thread, replying to the digest.", example=ASSIGN_EXAMPLE
        )
    words = read_words(text, ASSIGN_EXAMPLE)
    if isinstance(words, Problem):
        return words
    if len(words) < 3 or words[0].lower() != "assign":
        return Problem(
            "Write the cell, the owner, the action and when it is due.", example=ASSIGN_EXAMPLE
        )
    label, owner, rest = words[1].upper(), words[2], words[3:]
    due = ""
    lowered = [w.lower() for w in rest]
    if "due" in lowered:
        at = lowered.index("due")
        due, rest = " ".join(rest[at + 1 :]), rest[:at]
    description = " ".join(rest)
    with env.db.transaction() as session:
        run = store_actions.run_by_thread(session, channel, thread_ts)
        cells = [m for m in (run.payload.get("cells", []) if run else []) if m["label"] == label]
        run_id = run.id if run else None
        posted = store_councils.posted_messages(session, run_id) if run_id else {}
    if run is None:
        return Problem("This thread is not a council digest's.", example=ASSIGN_EXAMPLE)
    if not cells:
        return Problem(f"There is no cell {label} in this digest.", example=ASSIGN_EXAMPLE)
    found = cells[0]
    cell = Cell(
        found["council"],
        run_id,
        label,
        found["dimension"],
        found["value"],
        found["column"],
        found["period"],
    )
    with env.db.transaction() as session:
        known = kinds_of(session, actor.workspace_id)
    kind = next((k for k in known if description.lower().startswith(k.lower())), known[-1])
    place = Place(channel, thread_ts, posted.get(found["position"]))
    return assign(
        env,
        actor,
        cell,
        place,
        owner=owner,
        kind=kind,
        description=description,
        due=due,
        key=key,
        owner_timezone=owner_timezone,
    )


@retry_transient
def run(env: Env, actor: Actor, text: str) -> object:
    """Carry out what someone typed after `/actions`."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    verb = words[0].lower() if words else "mine"
    args = words[1:]
    if verb == "help":
        return Help("/actions", actions_help())
    try:
        with env.db.transaction() as session:
            now = env.now()
            me = ensure_person(session, actor, now)
            if verb == "mine":
                return _list(session, me, now, owner_id=me.id, title="Your open actions")
            if verb == "council":
                council = find(session, actor.workspace_id, " ".join(args))
                return _list(
                    session, me, now, council_id=council.id, title=f"Open actions of {council.name}"
                )
            if verb == "history":
                return _history(session, me, args, now)
            if verb in ("done", "snooze", "reassign", "comment"):
                return _change(session, me, verb, args, now)
            return Problem(f"`{verb}` is not an /actions command.", example="/actions help")
    except CommandError as error:
        return error.result


def _list(
    session: Session,
    me: Person,
    now: datetime,
    *,
    title: str,
    owner_id: int | None = None,
    council_id: int | None = None,
) -> ActionList:
    found = store_actions.open_actions(
        session, me.workspace_id, owner_id=owner_id, council_id=council_id
    )
    views = []
    for action in found:
        council = store_councils.get_council(session, action.council_id)
        assert council is not None
        views.append(_view(session, action, _today_of(me, council, now)))
    return ActionList(title, views, "No open actions.")


def actions_owned(session: Session, me: Person, now: datetime) -> list[ActionView]:
    """The open actions `me` owns, soonest due first (for the Home tab)."""
    return _list(session, me, now, title="", owner_id=me.id).actions


def _action(session: Session, me: Person, text: str) -> Action:
    number = text.removeprefix("#")
    action = (
        store_actions.get_action(session, me.workspace_id, int(number))
        if (number.isdigit())
        else None
    )
    if action is None:
        raise CommandError(Problem(f"There is no action {text}.", example="/actions done 12"))
    return action


def _change(session: Session, me: Person, verb: str, args: list[str], now: datetime):
    if not args:
        raise CommandError(Problem("Which action?", example=f"/actions {verb} 12"))
    action = _action(session, me, args[0])
    council = store_councils.get_council(session, action.council_id)
    assert council is not None
    allowed = action.owner_id == me.id or acts_for(session, me, action.owner_id)
    if not allowed:
        raise CommandError(
            Refused(
                "Only its owner, their manager or an admin can change it.",
                who_can="its owner, their manager or an admin",
            )
        )
    today = _today_of(me, council, now)
    rest = " ".join(args[1:]).strip()
    if verb == "done":
        if action.status == "done":
            return Notice(f"Action {action.id} is already done.")
        action.status, action.done_at = "done", now
        what = "done"
    elif verb == "snooze":
        # `/actions snooze 12 1/10 champion on leave`; a date of several words is quoted.
        when, reason = (args[1], " ".join(args[2:]).strip()) if len(args) > 2 else ("", "")
        try:
            until = parse_date(when, today)
        except ParseError:
            raise CommandError(
                Problem(
                    "Snooze until when, and why?",
                    example='/actions snooze 12 1/10 "champion on leave"',
                )
            ) from None
        action.snoozed_until, action.snooze_reason = until, reason
        what = f"snoozed until {until.isoformat()}: {reason}"
    elif verb == "reassign":
        person = find_person(session, me.workspace_id, rest, now)
        if person is None or isinstance(person, list):
            raise CommandError(Problem("Reassign to whom?", example="/actions reassign 12 @sam"))
        action.owner_id = person.id
        what = f"reassigned to {person.display_name}"
    else:
        if not rest:
            raise CommandError(Problem("Comment what?", example="/actions comment 12 on track"))
        what = f"comment: {rest[:1000]}"
    store_actions.add_event(session, action.id, now, me.id, verb, what)
    return ActionChanged(_view(session, action, today), what)


def _history(session: Session, me: Person, args: list[str], now: datetime) -> CellHistory:
    if len(args) == 1:
        action = _action(session, me, args[0])
        council_id, dimension, value, column = (
            action.council_id,
            action.dimension,
            action.value,
            action.column,
        )
    elif len(args) >= 3:
        dimension, value, column = args[0].lower(), args[1], args[2].lower()
        named = " ".join(args[4:]) if len(args) > 4 and args[3].lower() == "council" else ""
        councils = store_councils.councils(session, me.workspace_id)
        council_obj = (
            find(session, me.workspace_id, named) if named else (councils[0] if councils else None)
        )
        if council_obj is None:
            raise CommandError(Problem("There is no council yet.", example="/council create"))
        council_id = council_obj.id
    else:
        raise CommandError(Problem("Which cell?", example="/actions history region EMEA closed"))
    council = store_councils.get_council(session, council_id)
    assert council is not None
    colours = [
        (c.week, c.color, c.shown)
        for c in store_actions.cell_history(session, council_id, dimension, value, column)
    ]
    today = _today_of(me, council, now)
    acted = [
        _view(session, a, today)
        for a in store_actions.actions_for_cell(session, council_id, dimension, value, column)
    ]
    notes = {
        a.id: [_note(session, me.workspace_id, e) for e in store_actions.events(session, a.id)]
        for a in acted
    }
    name = COLUMN_NAMES.get(column, column)
    return CellHistory(council.name, f"{dimension} {value} · {name}", colours, acted, notes)


def _note(session: Session, workspace_id: str, event: ActionEvent) -> str:
    """One line of an action's story: when, who, what."""
    who = people.get_person(session, workspace_id, event.by_id) if event.by_id else None
    return f"{event.at:%Y-%m-%d} {who.display_name if who else 'someone'}: {event.text}"


@retry_transient
def reminders_due(env: Env, now: datetime, workspace: str | None = None) -> list[Reminder]:
    """The reminders to send now, each claimed so that it goes out once a day at most: the
    day before the due date and on it, then every working day while overdue, from 09:00 in
    the owner's time zone; never while snoozed or once done."""
    due: list[Reminder] = []
    with env.db.transaction() as session:
        installed = set(workspaces.workspace_ids(session, active_only=True))
        for action in store_actions.open_actions(session, workspace):
            if action.workspace_id not in installed:
                continue
            council = store_councils.get_council(session, action.council_id)
            owner = people.get_person(session, action.workspace_id, action.owner_id)
            if council is None or owner is None:
                continue
            zone = ZoneInfo(owner.timezone or council.timezone)
            local = now.astimezone(zone)
            day = local.date()
            if local.time() < REMIND_AT or action.last_reminded_on == day:
                continue
            if action.snoozed_until is not None and day < action.snoozed_until:
                continue
            if day == action.due_date - timedelta(days=1):
                why = "tomorrow"
            elif day == action.due_date:
                why = "today"
            elif day > action.due_date and day.weekday() < 5:
                why = "overdue"
            else:
                continue
            if not keys.claim(session, action.workspace_id, _reminder_key(action.id, day), now):
                continue
            action.last_reminded_on = day
            again = keys.exists(session, action.workspace_id, _again_key(action.id, day))
            view = _view(session, action, day)
            due.append(Reminder(action.workspace_id, view, why, day, again))
    return due


@retry_transient
def reminder_not_sent(env: Env, reminder: Reminder) -> None:
    """Slack refused the reminder, or no answer came: give back its claim, so the next
    round sends it, looking first whether this attempt got through after all."""
    with env.db.transaction() as session:
        key = _reminder_key(reminder.action.id, reminder.day)
        keys.release(session, reminder.workspace_id, key)
        again = _again_key(reminder.action.id, reminder.day)
        keys.claim(session, reminder.workspace_id, again, env.now())
        action = store_actions.get_action(session, reminder.workspace_id, reminder.action.id)
        if action is not None and action.last_reminded_on == reminder.day:
            action.last_reminded_on = None


def _reminder_key(action_id: int, day: date) -> str:
    return f"remind:{action_id}:{day}"


def _again_key(action_id: int, day: date) -> str:
    return f"remind-again:{action_id}:{day}"


def digest_actions(
    session: Session,
    council: Council,
    now: datetime,
    current: dict[tuple[str, str, str], str | None],
) -> tuple[list[ActionView], str]:
    """The council's actions for its digest, and the closed-loop line: of the red cells
    that got actions four or more weeks ago, how many are green or yellow now."""
    today = now.astimezone(ZoneInfo(council.timezone)).date()
    # A day more than a week, so last week's digest's actions are all in this one.
    recent = store_actions.actions_of_council(session, council.id, now - timedelta(days=8))
    views = [_view(session, a, today) for a in recent]
    old = [
        a
        for a in store_actions.all_actions(session, council.id)
        if a.color_at == "red" and a.created_at <= now - timedelta(weeks=LOOP_WEEKS)
    ]
    cells = {(a.dimension, a.value, a.column) for a in old}
    better = sum(1 for cell in cells if current.get(cell) in ("green", "yellow"))
    line = (
        f"Of {len(cells)} red cells with actions {LOOP_WEEKS}+ weeks ago, {better} are now "
        "green or yellow."
        if cells
        else ""
    )
    return views, line
