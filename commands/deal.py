"""The /deal family: create, update, show, list and search deals."""

from __future__ import annotations

import inspect
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from commands import checklist
from commands.cleanup import SNOOZE_EXAMPLE, SnoozeErrors, snooze_deal, snooze_form
from commands.context import Actor, Env
from commands.deal_fields import EXAMPLES, KEYS, FieldErrors, canonical_key, read_fields
from commands.deal_results import (
    DealCard,
    DealForm,
    DealList,
    DealResult,
    DealSaved,
    DealView,
    FieldChange,
    FormErrors,
    HistoryEntry,
)
from commands.formatting import day, money
from commands.parsing import ParseError, Token, clean, tokenize
from commands.permissions import can_change_deal, is_manager, who_can_change
from commands.results import Choice, CommandError, Duplicate, Help, Option, Problem, Refused
from commands.stale import stale_reasons
from commands.workspace import CATEGORIES, DIMENSIONS, ensure_member, local_today
from store import checklists, keys, people, workspaces
from store import deals as store_deals
from store.db import retry_transient
from store.deals import MAX_LISTED
from store.models import Deal, DealVersion

CHOICES_SHOWN = 10
# Slack refuses a button value over 2,000 characters.
MAX_BUTTON_VALUE = 2000
FIELD_LABELS = {
    "name": "name",
    "account": "account",
    "owner_id": "owner",
    "product": "product",
    "region": "region",
    "segment": "segment",
    "source": "source",
    "stage": "stage",
    "amount": "amount",
    "close_date": "close",
    "created_date": "created",
    "next_step": "next step",
    "forecast_category": "category",
}


def deal_help() -> str:
    """*Keep your deals current in seconds.*

    `/deal new NAME key=value ...` creates a deal.
    `/deal NAME key=value ...` updates the one deal NAME matches.
    `/deal show NAME`, `/deal edit NAME` (a form), `/deal` alone (a form for a new deal).
    `/deal list [mine|team|all] [stale]` lists open deals; `/deal find TEXT` searches.
    `/deal snooze NAME until=1/10 reason="champion on leave"` stops the weekly
    clean-your-room nudge about a stale deal until that day.

    Keys: `stage`, `amount`, `close`, `next`, `category`, `product`, `region`, `segment`,
    `source`, `account`, `owner` (managers), `name`. Put values of several words in quotes.
    Example: `/deal Acme renewal stage=Decision amount=120k close=2026-12-15 next="send MSA"`

    Amounts: `120k`, `$1.2M`, `1,200,000`. Dates: `2026-12-15`, `12/15`, `Dec 15`,
    `next friday` (the first Friday after today), `end of quarter`, `in 2 weeks`.
    Stages and categories by any unambiguous start: `stage=deci`, `category=best`;
    `category=auto` makes the category follow the stage again. `region=none` clears a value.
    A deal whose name starts with a command word is quoted: `/deal "New York" stage=Decision`.
    `#42` names a deal by its number.
    """
    return inspect.cleandoc(deal_help.__doc__ or "")


@dataclass(frozen=True)
class _Parsed:
    name: str
    fields: dict[str, str]


def _split(tokens: list[Token]) -> _Parsed:
    """The deal's name words, then `key=value` fields; bare words after a field continue its
    value, so `next=send MSA to legal` works without quotes."""
    name_words: list[str] = []
    fields: dict[str, str] = {}
    unknown: list[str] = []
    last_key: str | None = None
    for token in tokens:
        key, sep, value = token.text.partition("=")
        if sep and key and not token.quoted:
            canonical = canonical_key(key)
            if canonical is None:
                unknown.append(key)
                last_key = None
                continue
            if canonical in fields:
                raise CommandError(
                    Problem(f"`{canonical}` is given twice", example=EXAMPLES[canonical])
                )
            fields[canonical] = value
            last_key = canonical
        elif last_key is not None:
            fields[last_key] = f"{fields[last_key]} {token.text}"
        elif unknown:
            continue
        else:
            name_words.append(token.text)
    if unknown:
        listed = ", ".join(f"`{k}`" for k in unknown)
        raise CommandError(
            Problem(
                f"I don't know the field {listed}. Fields: {', '.join(KEYS)}",
                example='/deal Acme renewal stage=Decision amount=120k next="send MSA"',
            )
        )
    return _Parsed(" ".join(name_words).strip(), fields)


def _serialize(fields: dict[str, str]) -> str:
    return " ".join(f'{key}="{value}"' for key, value in fields.items())


class _Context:
    """One use case's view of the store: the session, the asker and the clock."""

    def __init__(self, session: Session, env: Env, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.now = env.now()
        self.person, self.workspace = ensure_member(session, actor, self.now)
        self.today = local_today(self.workspace, self.now)
        self._names: dict[int, str] = {}

    def name_of(self, person_id: int | None) -> str:
        if person_id is None:
            return "someone"
        if person_id not in self._names:
            person = people.get_person(self.session, self.actor.workspace_id, person_id)
            self._names[person_id] = person.display_name if person else "someone"
        return self._names[person_id]

    def stale_reasons(self, deal: Deal) -> tuple[str, ...]:
        return stale_reasons(deal, self.today, self.now, self.workspace.stale_after_days)

    def view(self, deal: Deal) -> DealView:
        return DealView(
            id=deal.id,
            name=deal.name,
            account=deal.account,
            owner=self.name_of(deal.owner_id),
            owner_user_id=_slack_id(self, deal.owner_id),
            stage=deal.stage,
            status=deal.status,
            amount=deal.amount,
            close_date=deal.close_date,
            created_date=deal.created_date,
            next_step=deal.next_step,
            category=deal.forecast_category,
            category_is_explicit=deal.category_is_explicit,
            product=deal.product,
            region=deal.region,
            segment=deal.segment,
            source=deal.source,
            external_id=deal.external_id,
            updated_at=deal.updated_at,
            currency=self.workspace.currency_symbol,
            stale=self.stale_reasons(deal),
        )

    def shown(self, column: str, value: Any) -> str:
        """A logged value as people read it."""
        if value is None:
            return "–"
        if column == "owner_id":
            return self.name_of(int(value))
        if column == "amount":
            return money(Decimal(value), self.workspace.currency_symbol)
        return str(value)

    def field_changes(self, changes: dict[str, list[Any]]) -> list[FieldChange]:
        return [
            FieldChange(FIELD_LABELS[column], self.shown(column, old), self.shown(column, new))
            for column, (old, new) in changes.items()
            if column in FIELD_LABELS
        ]

    def entry(self, version: DealVersion) -> HistoryEntry:
        if version.version == 1:
            changes = [FieldChange("created", "", version.stage)]
        else:
            changes = self.field_changes(version.changes)
        return HistoryEntry(
            version.valid_from, self.name_of(version.changed_by_id), version.change_source, changes
        )

    def form(self, deal: Deal | None, name: str = "") -> DealForm:
        known = {
            dim: workspaces.list_dimension_values(self.session, self.workspace.id, dim)
            for dim in DIMENSIONS
        }
        stages = [s.name for s in workspaces.list_stages(self.session, self.workspace.id)]
        return DealForm(
            deal=self.view(deal) if deal else None,
            stages=stages,
            categories=list(CATEGORIES),
            known_values=known,
            can_set_owner=is_manager(self.person),
            name=name,
        )


def _run(env: Env, actor: Actor, work: Any, key: str | None = None) -> Any:
    """Run one use case in one transaction; a CommandError aborts it with its result.

    With a `key` (an event id, a button press, a form submission) the use case has its
    effect once: the claim commits or rolls back together with the effect.
    """

    @retry_transient
    def once() -> Any:
        try:
            with env.db.transaction() as session:
                s = _Context(session, env, actor)
                if key is not None and not keys.claim(session, actor.workspace_id, key, s.now):
                    return Duplicate()
                return work(s)
        except CommandError as error:
            return error.result

    return once()


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> DealResult:
    """Carry out what someone typed after `/deal`; `key` makes a redelivery harmless."""
    try:
        tokens = tokenize(text)
    except ParseError as error:
        return Problem(f"I could not read that: {error}.", example='next="send MSA"')
    if not tokens:
        return _run(env, actor, lambda s: s.form(None), key)
    first = tokens[0]
    word = first.text.lower() if not first.quoted else ""
    rest = tokens[1:]
    if word == "help":
        return Help("/deal", deal_help())
    if word == "list":
        return _run(env, actor, lambda s: _list(s, [t.text.lower() for t in rest]), key)
    if word == "find":
        query = " ".join(t.text for t in rest).strip()
        return _run(env, actor, lambda s: _find(s, query), key)
    if word in ("show", "edit"):
        target = " ".join(t.text for t in rest).strip()
        return _run(env, actor, lambda s: _show_or_edit(s, word, target), key)
    if word == "new":
        return _run(env, actor, lambda s: _create(s, _split(rest), force=False), key)
    if word == "snooze":
        return _run(env, actor, lambda s: _snooze(s, rest), key)
    return _run(env, actor, lambda s: _update_by_name(s, _split(tokens)), key)


def press(env: Env, actor: Actor, action: str, value: str) -> DealResult:
    """Carry out a button pressed on one of /deal's replies.

    A button that creates something carries a key of its own, so pressing it twice (or
    Slack delivering the press twice) creates one deal.
    """
    try:
        data = json.loads(value)
        key = f"button:{data['key']}" if data.get("key") else None
        if action == "deal.pick":
            op = data.get("op", "update")
            deal_ref = f"#{int(data['deal'])}"
            if op in ("show", "edit"):
                text = f"{op} {deal_ref}"
            elif op == "snooze":
                text = f"snooze {deal_ref} {data['fields']}"
            else:
                text = f"{deal_ref} {data['fields']}"
            return run(env, actor, text, key)
        if action == "deal.snooze":
            return snooze_form(env, actor, int(data["deal"]))
        if action == "deal.create":
            fields = {k: clean(str(v)) for k, v in data["fields"].items()}
            parsed = _Parsed(clean(str(data["name"])), fields)
            force = bool(data.get("force"))
            return _run(env, actor, lambda s: _create(s, parsed, force=force), key)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return Problem("That button no longer works; type the command again.")


def submit_form(
    env: Env, actor: Actor, deal_id: int | None, values: dict[str, str], key: str
) -> DealResult:
    """Save the deal form. `key` identifies this submission so a resubmission saves once."""

    def save(s: _Context) -> DealResult:
        deal = _editable(s, deal_id) if deal_id is not None else None
        raw = {k: clean(v) for k, v in values.items() if k in KEYS}
        if deal is not None:
            # The form shows every field, so only what differs is a change.
            raw = {k: v for k, v in raw.items() if v != _form_value(s, deal, k)}
        try:
            return _apply(s, deal, raw)
        except FieldErrors as error:
            raise CommandError(FormErrors(error.errors)) from None

    return _run(env, actor, save, key)


def _form_value(s: _Context, deal: Deal, key: str) -> str:
    """What the form shows for `key` before anyone edits it."""
    values = {
        "name": deal.name,
        "account": deal.account or "",
        "stage": deal.stage,
        "amount": f"{deal.amount:.2f}" if deal.amount is not None else "",
        "close": day(deal.close_date) if deal.close_date else "",
        "next": deal.next_step or "",
        "category": deal.forecast_category if deal.category_is_explicit else "auto",
        "owner": f"<@{_slack_id(s, deal.owner_id)}>",
    }
    values |= {dim: getattr(deal, dim) or "" for dim in DIMENSIONS}
    return values.get(key, "")


def _slack_id(s: _Context, person_id: int) -> str | None:
    person = people.get_person(s.session, s.workspace.id, person_id)
    return person.slack_user_id if person else None


def _apply(s: _Context, deal: Deal | None, raw: dict[str, str]) -> DealSaved:
    """Validate `raw` in full, then create or change the deal; nothing is written on error."""
    read = read_fields(s.session, s.workspace, s.person, deal, raw, today=s.today, now=s.now)
    for dimension, value in read.new_values:
        workspaces.add_dimension_value(s.session, s.workspace.id, dimension, value)
    if deal is None:
        deal = store_deals.create_deal(
            s.session, s.workspace.id, read.state, by=s.person.id, source=s.actor.via, at=s.now
        )
        return DealSaved(s.view(deal), created=True, changes=[], notes=read.notes)
    changes = store_deals.change_deal(
        s.session, deal, read.state, by=s.person.id, source=s.actor.via, at=s.now
    )
    return DealSaved(
        s.view(deal), created=False, changes=s.field_changes(changes), notes=read.notes
    )


def _check(s: _Context, deal: Deal | None, raw: dict[str, str]) -> DealSaved:
    try:
        return _apply(s, deal, raw)
    except FieldErrors as error:
        lines = list(error.errors.values())
        first = next(iter(error.errors))
        raise CommandError(Problem("\n".join(lines), example=EXAMPLES.get(first, ""))) from None


def _editable(s: _Context, deal_id: int) -> Deal:
    """The deal, locked for this change, if the asker may change it."""
    deal = store_deals.lock_deal(s.session, s.workspace.id, deal_id)
    if deal is None:
        raise CommandError(Problem(f"There is no deal #{deal_id}.", example="/deal find Acme"))
    if not can_change_deal(s.session, s.person, deal):
        raise CommandError(
            Refused(
                f"{deal.name} belongs to {s.name_of(deal.owner_id)}; you cannot change it.",
                who_can=who_can_change(s.session, deal),
            )
        )
    return deal


def _create(s: _Context, parsed: _Parsed, *, force: bool) -> DealResult:
    name = parsed.fields.get("name", parsed.name)
    if not name:
        raise CommandError(
            Problem("A new deal needs a name.", example='/deal new "Acme renewal" amount=120k')
        )
    fields = {**parsed.fields, "name": name}
    if not force:
        mine = [
            d
            for d in store_deals.deals_named(s.session, s.workspace.id, name)
            if d.owner_id == s.person.id
        ]
        if mine:
            return _confirm_second(s, mine[0], name, parsed.fields)
    return _check(s, None, fields)


def _confirm_second(s: _Context, existing: Deal, name: str, fields: dict[str, str]) -> Choice:
    value = json.dumps({"name": name, "fields": fields, "force": True, "key": uuid.uuid4().hex})
    options = [
        Option(
            "Show the existing one", "deal.pick", json.dumps({"deal": existing.id, "op": "show"})
        )
    ]
    if len(value) <= MAX_BUTTON_VALUE:
        options.insert(0, Option("Create a second one", "deal.create", value, primary=True))
    return Choice(
        f"You already have a deal named {existing.name} ({s.view(existing).label}). "
        "Create a second one?",
        options,
    )


def _resolve(s: _Context, target: str) -> list[Deal]:
    """The deals `target` names: `#id`, a CRM id, an exact name, or words of the name."""
    target = target.strip()
    if target.startswith("#") and target[1:].isdigit():
        deal = store_deals.get_deal(s.session, s.workspace.id, int(target[1:]))
        return [deal] if deal else []
    exact = store_deals.deals_by_external_id(s.session, s.workspace.id, target)
    exact = exact or store_deals.deals_named(s.session, s.workspace.id, target)
    if exact:
        return exact
    return store_deals.deals_matching(s.session, s.workspace.id, target.split())


def _choose(s: _Context, target: str, found: list[Deal], op: str, fields: dict[str, str]) -> Choice:
    options = [
        Option(
            s.view(deal).label[:75],
            "deal.pick",
            json.dumps({"deal": deal.id, "op": op, "fields": _serialize(fields)}),
        )
        for deal in found[:CHOICES_SHOWN]
    ]
    options = [o for o in options if len(o.value) <= MAX_BUTTON_VALUE]
    more = max(0, len(found) - CHOICES_SHOWN)
    return Choice(
        f"`{target}` matches {len(found)} deals{'+' if len(found) > MAX_LISTED else ''}. "
        "Which one?",
        options,
        more=more,
    )


def _not_found(target: str, fields: dict[str, str]) -> Choice:
    value = json.dumps({"name": target, "fields": fields, "key": uuid.uuid4().hex})
    options = []
    if len(value) <= MAX_BUTTON_VALUE:
        options.append(Option(f"Create “{target[:60]}”", "deal.create", value, primary=True))
    return Choice(
        f"No deal matches `{target}`. Check the name with `/deal find`, or create it.", options
    )


def _update_by_name(s: _Context, parsed: _Parsed) -> DealResult:
    if not parsed.name:
        raise CommandError(
            Problem("Which deal? Put its name first.", example="/deal Acme renewal stage=Decision")
        )
    found = _resolve(s, parsed.name)
    if not found:
        return _not_found(parsed.name, parsed.fields)
    if len(found) > 1:
        return _choose(s, parsed.name, found, "update" if parsed.fields else "show", parsed.fields)
    if not parsed.fields:
        return _card(s, found[0])
    deal = _editable(s, found[0].id)
    return _check(s, deal, parsed.fields)


def _card(s: _Context, deal: Deal) -> DealCard:
    versions = store_deals.history(s.session, s.workspace.id, deal.id, limit=5)
    answers = checklist.deal_answers(s.session, s.workspace, deal.id)
    asked = deal.forecast_category in checklist.CATEGORIES
    snoozes = checklists.snoozed(s.session, [deal.id], s.today)
    return DealCard(
        s.view(deal),
        [s.entry(v) for v in versions],
        can_edit=can_change_deal(s.session, s.person, deal),
        answers=answers if asked or any(a.answer is not None for a in answers) else [],
        snoozed=(snoozes[deal.id].until, snoozes[deal.id].reason) if deal.id in snoozes else None,
    )


def _show_or_edit(s: _Context, op: str, target: str) -> DealResult:
    if not target:
        if op == "edit":
            return s.form(None)
        raise CommandError(Problem("Which deal?", example=f"/deal {op} Acme renewal"))
    found = _resolve(s, target)
    if not found:
        return _not_found(target, {})
    if len(found) > 1:
        return _choose(s, target, found, op, {})
    if op == "show":
        return _card(s, found[0])
    return s.form(_editable(s, found[0].id))


def _list(s: _Context, words: list[str]) -> DealResult:
    scopes = {"mine", "team", "all"}
    unknown = [w for w in words if w not in scopes | {"stale"}]
    if unknown:
        raise CommandError(
            Problem(f"`{' '.join(unknown)}` is not a list I know.", example="/deal list team stale")
        )
    scope = next((w for w in words if w in scopes), "mine")
    stale = "stale" in words
    if scope == "mine":
        owner_ids = [s.person.id]
        title = "Your open deals"
    elif scope == "team":
        if not is_manager(s.person):
            raise CommandError(
                Problem("Only managers have a team list; yours is `/deal list mine`.")
            )
        owner_ids = sorted(people.team_ids(s.session, s.workspace.id, s.person.id) | {s.person.id})
        title = "Your team's open deals"
    else:
        if s.person.role != "admin":
            raise CommandError(Refused("Only admins can list every deal.", who_can="an admin"))
        owner_ids = [p.id for p in people.list_people(s.session, s.workspace.id)]
        title = "All open deals"
    found = store_deals.deals_owned_by(s.session, s.workspace.id, owner_ids)
    views = [s.view(d) for d in found[:MAX_LISTED]]
    if stale:
        snoozed = checklists.snoozed(s.session, [v.id for v in views if v.stale], s.today)
        views = [v for v in views if v.stale and v.id not in snoozed]
        title = title.replace("open deals", "stale deals")
        if snoozed:
            title += f" ({len(snoozed)} more snoozed)"
    empty = "Nothing stale: every deal is current." if stale else "No open deals."
    if scope == "mine" and is_manager(s.person):
        empty += " `/deal list team` shows your team's."
    return DealList(title, views, more=len(found) > MAX_LISTED, empty=empty)


def _find(s: _Context, query: str) -> DealResult:
    if not query:
        raise CommandError(Problem("Find what?", example="/deal find acme"))
    found = store_deals.deals_matching(s.session, s.workspace.id, query.split(), in_account=True)
    return DealList(
        f"Deals matching “{query}”",
        [s.view(d) for d in found[:MAX_LISTED]],
        more=len(found) > MAX_LISTED,
        empty=f"No deal matches “{query}”.",
    )


SNOOZE_KEYS = ("until", "reason")


def _snooze(s: _Context, tokens: list[Token]) -> DealResult:
    """`/deal snooze NAME until=DATE reason=...`: no nudges about it until then."""
    name: list[str] = []
    fields: dict[str, str] = {}
    last: str | None = None
    for token in tokens:
        key, sep, value = token.text.partition("=")
        if sep and not token.quoted and key.lower() in SNOOZE_KEYS:
            last = key.lower()
            fields[last] = value
        elif last is not None:
            fields[last] = f"{fields[last]} {token.text}"
        else:
            name.append(token.text)
    target = " ".join(name).strip()
    if not target:
        raise CommandError(Problem("Which deal?", example=SNOOZE_EXAMPLE))
    found = _resolve(s, target)
    if not found:
        return _not_found(target, {})
    if len(found) > 1:
        return _choose(s, target, found, "snooze", fields)
    deal = _editable(s, found[0].id)
    try:
        return snooze_deal(
            s.session, s.person, deal, fields.get("until", ""), fields.get("reason", ""), s.now
        )
    except CommandError as error:
        if isinstance(error.result, SnoozeErrors):
            problems = "; ".join(error.result.errors.values())
            raise CommandError(Problem(problems, example=SNOOZE_EXAMPLE)) from None
        raise
