"""Giving a red cell an owner, an action and a due date: from the digest's button and
form, or typed in its thread."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.actions.results import ActionAssigned, ActionForm, Cell
from commands.actions.views import DEFAULT_DUE, kinds_of, managers_only, view_of
from commands.context import Actor, Env, Place, Pressed, Submitted
from commands.deals.fields import find_person
from commands.parsing import DATE_EXAMPLES, ParseError, clean, match_by_prefix, parse_date
from commands.results import CommandError, Duplicate, FormErrors, Problem, Stop, read_words
from commands.unit import Unit, run_unit
from store import actions as store_actions
from store import councils as store_councils
from store.deals import MAX_ID
from store.models import Council, DigestCell, Person

MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
ASSIGN_EXAMPLE = '@Pipeline Council assign R3 @jane "SPIFF for EMEA" due friday'
Assigned = ActionAssigned | Stop | Duplicate


def open_form(
    env: Env, actor: Actor, cell_json: str, place: Place
) -> ActionForm | Stop | Duplicate:
    """The form for assigning an owner to the cell a digest button names."""
    try:
        cell = Cell.from_json(cell_json)
        if not 0 < cell.council <= MAX_ID:
            raise ValueError(cell.council)
    except (ValueError, KeyError, TypeError, AttributeError):
        return Problem("That button no longer works; ask for this week's digest again.")

    def work(unit: Unit) -> ActionForm:
        managers_only(unit.session, unit.me)
        council = _council(unit.session, cell, unit.actor.workspace_id)
        today = unit.now.astimezone(ZoneInfo(council.timezone)).date()
        return ActionForm(
            cell, place, kinds_of(unit.session, unit.actor.workspace_id), today + DEFAULT_DUE
        )

    return run_unit(env, actor, work)


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
) -> Assigned:
    """Give the cell an owner, an action and a due date; `key` makes it happen once."""
    owner, kind, description, due = map(clean, (owner, kind, description, due))

    def work(unit: Unit) -> ActionAssigned:
        session, now, me = unit.session, unit.now, unit.me
        managers_only(session, me)
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
            raise CommandError(FormErrors(errors))
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
            # The digest's record; else what its button carried (a forced digest keeps none).
            color_at=snapshot.color if snapshot else cell.color,
            shown_at=snapshot.shown if snapshot else cell.shown,
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
        return ActionAssigned(view_of(session, action, today), me.display_name)

    return run_unit(env, actor, work, key=key)


def assign_from_thread(
    env: Env,
    actor: Actor,
    channel: str,
    thread_ts: str | None,
    text: str,
    key: str,
    owner_timezone: str | None = None,
) -> Assigned:
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

    def find_cell(unit: Unit) -> tuple[Cell, Place, str]:
        run = store_actions.run_by_thread(unit.session, channel, thread_ts)
        if run is None:
            raise CommandError(
                Problem("This thread is not a council digest's.", example=ASSIGN_EXAMPLE)
            )
        cells = [m for m in run.payload.get("cells", []) if m["label"] == label]
        if not cells:
            raise CommandError(
                Problem(f"There is no cell {label} in this digest.", example=ASSIGN_EXAMPLE)
            )
        found = cells[0]
        posted = store_councils.posted_messages(unit.session, run.id)
        cell = Cell(
            found["council"],
            run.id,
            label,
            found["dimension"],
            found["value"],
            found["column"],
            found["period"],
            found.get("color"),
            str(found.get("shown") or ""),
        )
        known = kinds_of(unit.session, actor.workspace_id)
        kind = next((k for k in known if description.lower().startswith(k.lower())), known[-1])
        return cell, Place(channel, thread_ts, posted.get(found["position"])), kind

    located = run_unit(env, actor, find_cell)
    if not isinstance(located, tuple):
        return located
    cell, place, kind = located
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


def press_assign(env: Env, actor: Actor, pressed: Pressed) -> ActionForm | Stop | Duplicate:
    """The digest's **Assign owner** button: the form for its cell."""
    return open_form(env, actor, pressed.value, pressed.place)


def submit_form(env: Env, actor: Actor, form: Submitted) -> Assigned:
    """The assign form sent: its cell and place come back in what the form carried."""
    metadata = form.metadata
    try:
        cell = Cell.from_json(str(metadata["cell"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return Problem("That form no longer works; press Assign owner again.")
    place = Place(*(_text(metadata.get(k)) for k in ("channel", "thread_ts", "cell_ts")))
    owner = form.values.get("owner", "")
    owner_id = MENTION.sub(r"\1", owner)
    return assign(
        env,
        actor,
        cell,
        place,
        owner=owner,
        kind=form.values.get("kind", ""),
        description=form.values.get("description", ""),
        due=form.values.get("due", ""),
        key=form.key,
        owner_timezone=form.zones.get(owner_id),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
