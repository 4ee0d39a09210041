"""Creating and changing deals: by name, by number, from the form; choosing when a name
matches several."""

from __future__ import annotations

import json
import uuid

from commands.cleanup import SNOOZE_EXAMPLE, snooze_deal
from commands.deals.fields import EXAMPLES, FieldErrors, read_fields
from commands.deals.results import (
    DEAL_CREATE,
    DEAL_PICK,
    DealResult,
    DealSaved,
)
from commands.deals.scope import Scope, card, editable, slack_id
from commands.deals.typed import Parsed, serialize
from commands.formatting import day
from commands.parsing import Token
from commands.results import (
    Choice,
    CommandError,
    FormErrors,
    Option,
    Problem,
)
from commands.salesforce.outbox import record_change
from commands.workspace import DIMENSIONS
from store import deals as store_deals
from store import workspaces
from store.deals import MAX_LISTED
from store.models import Deal

CHOICES_SHOWN = 10
# Slack refuses a button value over 2,000 characters.


MAX_BUTTON_VALUE = 2000


def form_value(s: Scope, deal: Deal, key: str) -> str:
    """What the form shows for `key` before anyone edits it."""
    values = {
        "name": deal.name,
        "account": deal.account or "",
        "stage": deal.stage,
        "amount": f"{deal.amount:.2f}" if deal.amount is not None else "",
        "close": day(deal.close_date) if deal.close_date else "",
        "next": deal.next_step or "",
        "category": deal.forecast_category if deal.category_is_explicit else "auto",
        "owner": f"<@{slack_id(s, deal.owner_id)}>",
    }
    values |= {dim: getattr(deal, dim) or "" for dim in DIMENSIONS}
    return values.get(key, "")


def apply(s: Scope, deal: Deal | None, raw: dict[str, str]) -> DealSaved:
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
    # A deal from Salesforce: the change goes back there, queued in this same transaction.
    record_change(s.session, deal, changes, by=s.person.id, now=s.now)
    return DealSaved(
        s.view(deal), created=False, changes=s.field_changes(changes), notes=read.notes
    )


def check(s: Scope, deal: Deal | None, raw: dict[str, str]) -> DealSaved:
    try:
        return apply(s, deal, raw)
    except FieldErrors as error:
        lines = list(error.errors.values())
        first = next(iter(error.errors))
        raise CommandError(Problem("\n".join(lines), example=EXAMPLES.get(first, ""))) from None


def create(s: Scope, parsed: Parsed, *, force: bool) -> DealResult:
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
            return confirm_second(s, mine[0], name, parsed.fields)
    return check(s, None, fields)


def confirm_second(s: Scope, existing: Deal, name: str, fields: dict[str, str]) -> Choice:
    value = json.dumps({"name": name, "fields": fields, "force": True, "key": uuid.uuid4().hex})
    options = [
        Option("Show the existing one", DEAL_PICK, json.dumps({"deal": existing.id, "op": "show"}))
    ]
    if len(value) <= MAX_BUTTON_VALUE:
        options.insert(0, Option("Create a second one", DEAL_CREATE, value, primary=True))
    return Choice(
        f"You already have a deal named {existing.name} ({s.view(existing).label}). "
        "Create a second one?",
        options,
    )


def resolve(s: Scope, target: str) -> list[Deal]:
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


def choose(s: Scope, target: str, found: list[Deal], op: str, fields: dict[str, str]) -> Choice:
    # The asker most likely means one of their own open deals; closed ones come last.
    found = sorted(found, key=lambda d: (d.status != "open", d.owner_id != s.person.id))
    options = [
        Option(
            s.view(deal).label,
            DEAL_PICK,
            json.dumps({"deal": deal.id, "op": op, "fields": serialize(fields)}),
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


def not_found(target: str, fields: dict[str, str]) -> Choice:
    value = json.dumps({"name": target, "fields": fields, "key": uuid.uuid4().hex})
    options = []
    if len(value) <= MAX_BUTTON_VALUE:
        options.append(Option(f"Create “{target[:60]}”", DEAL_CREATE, value, primary=True))
    return Choice(
        f"No deal matches `{target}`. Check the name with `/deal find`, or create it.", options
    )


def update_by_name(s: Scope, parsed: Parsed) -> DealResult:
    if not parsed.name:
        raise CommandError(
            Problem("Which deal? Put its name first.", example="/deal Acme renewal stage=Decision")
        )
    found = resolve(s, parsed.name)
    if not found:
        return not_found(parsed.name, parsed.fields)
    if len(found) > 1:
        return choose(s, parsed.name, found, "update" if parsed.fields else "show", parsed.fields)
    if not parsed.fields:
        return card(s, found[0])
    deal = editable(s, found[0].id)
    return check(s, deal, parsed.fields)


SNOOZE_KEYS = ("until", "reason")


def snooze_typed(s: Scope, tokens: list[Token]) -> DealResult:
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
    found = resolve(s, target)
    if not found:
        return not_found(target, {})
    if len(found) > 1:
        return choose(s, target, found, "snooze", fields)
    deal = editable(s, found[0].id)
    try:
        return snooze_deal(
            s.session, s.person, deal, fields.get("until", ""), fields.get("reason", ""), s.now
        )
    except CommandError as error:
        if isinstance(error.result, FormErrors):
            problems = "; ".join(error.result.errors.values())
            raise CommandError(Problem(problems, example=SNOOZE_EXAMPLE)) from None
        raise
