"""The /deal command: what each kind of input, button and form submission does."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable

from commands.cleanup import snooze_form
from commands.context import Actor, Env, Pressed, Submitted
from commands.deals.changes import (
    apply,
    create,
    form_value,
    snooze_typed,
    update_by_name,
)
from commands.deals.drill import drill, is_drill, read_drill
from commands.deals.fields import KEYS, FieldErrors
from commands.deals.reading import find_deals, list_deals, show_or_edit
from commands.deals.results import (
    DEAL_CREATE,
    DEAL_PICK,
    DEAL_SNOOZE,
    DealResult,
)
from commands.deals.scope import Scope, editable
from commands.deals.typed import Parsed, split_fields
from commands.parsing import ParseError, clean, tokenize
from commands.results import (
    CommandError,
    FormErrors,
    Help,
    Problem,
)
from commands.unit import run_unit


def deal_help() -> str:
    """*Keep your deals current in seconds.*

    `/deal new NAME key=value ...` creates a deal.
    `/deal NAME key=value ...` updates the one deal NAME matches.
    `/deal show NAME`, `/deal edit NAME` (a form), `/deal` alone (a form for a new deal).
    `/deal list [mine|team|all] [stale]` lists open deals; `/deal find TEXT` searches.
    `/deal list region=EMEA stage=Decision closing=this` lists the deals behind a cell of
    the APM (any of `product=`, `region=`, `segment=`, `source=`, `stage=`, `closing=`),
    with how each moved this week.
    `/deal snooze NAME until=1/10 reason="champion on leave"` stops the weekly
    clean-your-room nudge about a stale deal until that day.

    Keys: `stage`, `amount`, `close`, `next`, `category`, `product`, `region`, `segment`,
    `source`, `account`, `owner` (managers), `name`, `campaign` (the primary campaign, by
    name or Salesforce Id; `campaign=none` clears it). Put values of several words in quotes.
    Example: `/deal Acme renewal stage=Decision amount=120k close=2026-12-15 next="send MSA"`

    Amounts: `120k`, `$1.2M`, `1,200,000`. Dates: `2026-12-15`, `12/15`, `Dec 15`,
    `next friday` (the first Friday after today), `end of quarter`, `in 2 weeks`.
    Stages and categories by any unambiguous start: `stage=deci`, `category=best`;
    `category=auto` makes the category follow the stage again. `region=none` clears a value.
    A deal whose name starts with a command word is quoted: `/deal "New York" stage=Decision`.
    `#42` names a deal by its number.
    """
    return inspect.cleandoc(deal_help.__doc__ or "")


def _run(
    env: Env, actor: Actor, work: Callable[[Scope], DealResult], key: str | None = None
) -> DealResult:
    """One /deal use case as a unit of work (`commands.unit`), seen through a `Scope`."""
    return run_unit(env, actor, lambda unit: work(Scope(unit)), key=key)


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
    if word == "list" and is_drill([t.text for t in rest]):
        words = [t.text for t in rest]
        return _run(env, actor, lambda s: drill(s, read_drill(words)), key)
    if word == "list":
        return _run(env, actor, lambda s: list_deals(s, [t.text.lower() for t in rest]), key)
    if word == "find":
        query = " ".join(t.text for t in rest).strip()
        return _run(env, actor, lambda s: find_deals(s, query), key)
    if word in ("show", "edit"):
        target = " ".join(t.text for t in rest).strip()
        return _run(env, actor, lambda s: show_or_edit(s, word, target), key)
    if word == "new":
        return _run(env, actor, lambda s: create(s, split_fields(rest), force=False), key)
    if word == "snooze":
        return _run(env, actor, lambda s: snooze_typed(s, rest), key)
    return _run(env, actor, lambda s: update_by_name(s, split_fields(tokens)), key)


def press(env: Env, actor: Actor, pressed: Pressed) -> DealResult:
    """Carry out a button pressed on one of /deal's replies.

    A button that creates something carries a key of its own, so pressing it twice (or
    Slack delivering the press twice) creates one deal.
    """
    action = pressed.action_id
    try:
        data = json.loads(pressed.value)
        key = f"button:{data['key']}" if data.get("key") else None
        if action == DEAL_PICK:
            op = data.get("op", "update")
            deal_ref = f"#{int(data['deal'])}"
            if op in ("show", "edit"):
                text = f"{op} {deal_ref}"
            elif op == "snooze":
                text = f"snooze {deal_ref} {data['fields']}"
            else:
                text = f"{deal_ref} {data['fields']}"
            return run(env, actor, text, key)
        if action == DEAL_SNOOZE:
            return snooze_form(env, actor, int(data["deal"]))
        if action == DEAL_CREATE:
            fields = {k: clean(str(v)) for k, v in data["fields"].items()}
            parsed = Parsed(clean(str(data["name"])), fields)
            force = bool(data.get("force"))
            return _run(env, actor, lambda s: create(s, parsed, force=force), key)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return Problem("That button no longer works; type the command again.")


def submit_form(env: Env, actor: Actor, form: Submitted) -> DealResult:
    """Save the deal form; its key makes a resubmission save once."""
    deal_id = form.metadata.get("deal")
    values = form.values

    def save(s: Scope) -> DealResult:
        deal = editable(s, int(str(deal_id))) if deal_id is not None else None
        raw = {k: clean(v) for k, v in values.items() if k in KEYS}
        if deal is not None:
            # The form shows every field, so only what differs is a change.
            raw = {k: v for k, v in raw.items() if v != form_value(s, deal, k)}
        try:
            return apply(s, deal, raw)
        except FieldErrors as error:
            raise CommandError(FormErrors(error.errors)) from None

    return _run(env, actor, save, form.key)
