"""`/actions`: your actions, a council's, a cell's history, and changing one."""

from __future__ import annotations

import inspect
from datetime import datetime

from sqlalchemy.orm import Session

from commands.actions.results import ActionChanged, ActionList, ActionView, CellHistory
from commands.actions.views import today_of, view_of
from commands.context import Actor, Env, Pressed
from commands.councils.meeting import find
from commands.deals.fields import find_person
from commands.locales import read_date
from commands.metrics import COLUMN_NAMES
from commands.parsing import ParseError
from commands.permissions import acts_for
from commands.results import (
    CommandError,
    Duplicate,
    Help,
    Notice,
    Problem,
    Refused,
    Stop,
    read_words,
)
from commands.unit import Unit, run_unit
from store import actions as store_actions
from store import councils as store_councils
from store import people, workspaces
from store.models import Action, ActionEvent, Person

ActionsResult = ActionList | ActionChanged | CellHistory | Notice | Help | Stop | Duplicate
CHANGES = ("done", "snooze", "reassign", "comment")


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


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> ActionsResult:
    """Carry out what someone typed after `/actions`; `key` makes a redelivery harmless."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    verb = words[0].lower() if words else "mine"
    args = words[1:]
    if verb == "help":
        return Help("/actions", actions_help())
    if verb not in ("mine", "council", "history", *CHANGES):
        return Problem(f"`{verb}` is not an /actions command.", example="/actions help")

    def work(unit: Unit) -> ActionList | ActionChanged | CellHistory | Notice:
        session, now, me = unit.session, unit.now, unit.me
        if verb == "mine":
            return _list(session, me, now, owner_id=me.id, title="Your open actions")
        if verb == "council":
            council = find(session, actor.workspace_id, " ".join(args))
            return _list(
                session, me, now, council_id=council.id, title=f"Open actions of {council.name}"
            )
        if verb == "history":
            return _history(session, me, args, now)
        return _change(session, me, verb, args, now)

    return run_unit(env, actor, work, key=key if verb in CHANGES else None)


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
        views.append(view_of(session, action, today_of(me, council, now)))
    return ActionList(title, views, "No open actions.")


def actions_owned(session: Session, me: Person, now: datetime) -> list[ActionView]:
    """The open actions `me` owns, soonest due first (for the Home tab)."""
    return _list(session, me, now, title="", owner_id=me.id).actions


def _action(session: Session, me: Person, text: str, *, lock: bool = False) -> Action:
    number = text.removeprefix("#")
    action = (
        store_actions.get_action(session, me.workspace_id, int(number), lock=lock)
        if (number.isdigit())
        else None
    )
    if action is None:
        raise CommandError(Problem(f"There is no action {text}.", example="/actions done 12"))
    return action


def _change(
    session: Session, me: Person, verb: str, args: list[str], now: datetime
) -> ActionChanged | Notice:
    if not args:
        raise CommandError(Problem("Which action?", example=f"/actions {verb} 12"))
    # Locked: a double-clicked Done (two presses, two trigger ids) would otherwise see the
    # action open twice and record `done` twice.
    action = _action(session, me, args[0], lock=True)
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
    today = today_of(me, council, now)
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
            workspace = workspaces.get_workspace(session, me.workspace_id)
            assert workspace is not None
            until = read_date(when, today, workspace)
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
    return ActionChanged(view_of(session, action, today), what)


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
    today = today_of(me, council, now)
    acted = [
        view_of(session, a, today)
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


def press_done(env: Env, actor: Actor, pressed: Pressed) -> ActionsResult:
    """The **Done** button on an action: `/actions done ID`."""
    return run(env, actor, f"done {pressed.value}", pressed.key)
