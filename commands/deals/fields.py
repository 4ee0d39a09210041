"""Reading `key=value` input (typed, or from the modal) into a deal's new state.

Everything is checked before anything is written: a read either returns the whole new
state or raises with every problem found, each naming its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from commands.locales import reading_of
from commands.parsing import (
    DATE_EXAMPLES,
    ParseError,
    ValueMatch,
    did_you_mean,
    match_by_prefix,
    match_known_value,
    parse_amount,
    parse_date,
)
from commands.permissions import acts_for, is_manager
from commands.workspace import CATEGORIES, DIMENSIONS
from store import campaigns as store_campaigns
from store import people, workspaces
from store.models import Deal, Person, Stage, Workspace

KEYS = (
    "stage",
    "amount",
    "close",
    "next",
    "category",
    "product",
    "region",
    "segment",
    "source",
    "account",
    "owner",
    "name",
    "campaign",
)
ALIASES = {
    "close_date": "close",
    "closedate": "close",
    "closes": "close",
    "next_step": "next",
    "nextstep": "next",
    "forecast": "category",
    "forecast_category": "category",
    "acv": "amount",
    "amt": "amount",
    "value": "amount",
    "company": "account",
}
EXAMPLES = {
    "stage": "stage=Decision",
    "amount": "amount=120k",
    "close": "close=2026-12-15",
    "next": 'next="send MSA"',
    "category": 'category="Best Case"',
    "product": "product=Platform",
    "region": "region=EMEA",
    "segment": "segment=Enterprise",
    "source": "source=BDR",
    "account": 'account="Acme Corp"',
    "owner": "owner=@jane",
    "name": 'name="Acme renewal 2027"',
    "campaign": 'campaign="Summit 2026"',
}
MAX_LENGTH = {"name": 255, "account": 255, "next": 1000, "dimension": 128}
CLEARING_WORDS = {"", "none", "-", "–", "clear"}
FOLLOW_STAGE_WORDS = {"auto", "stage", "default", "follow"}
_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|([^>]*))?>$")


class FieldErrors(Exception):
    """Problems with the input, by field; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def canonical_key(key: str) -> str | None:
    key = key.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in KEYS else None


@dataclass
class FieldsRead:
    """A deal's new state, notes for the person, and dimension values to remember."""

    state: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    new_values: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Reader:
    session: Session
    workspace: Workspace
    person: Person
    deal: Deal | None
    today: date
    now: datetime
    stages: list[Stage]
    read: FieldsRead = field(default_factory=FieldsRead)
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, key: str, message: str) -> None:
        self.errors[key] = message

    def current(self, name: str) -> Any:
        if name in self.read.state:
            return self.read.state[name]
        return getattr(self.deal, name) if self.deal is not None else None

    def text(self, key: str, raw: str, column: str, limit: int, *, required: bool = False) -> None:
        value = raw.strip()
        if value.lower() in CLEARING_WORDS and not required:
            self.read.state[column] = None
        elif not value:
            self.fail(key, f"{key} cannot be empty; for example `{EXAMPLES[key]}`")
        elif len(value) > limit:
            self.fail(key, f"{key} is {len(value)} characters long; at most {limit} fit")
        else:
            self.read.state[column] = value

    def stage(self, raw: str) -> None:
        names = [s.name for s in self.stages]
        found = match_by_prefix(raw, names)
        if len(found) == 1:
            stage = next(s for s in self.stages if s.name == found[0])
            self.read.state["stage"] = stage.name
            self.read.state["status"] = stage.status
        elif found:
            self.fail("stage", f"`{raw}` could be {_either(found)}; type more of the name")
        else:
            self.fail("stage", f"`{raw}` is not a stage. Stages: {', '.join(names)}")

    def category(self, raw: str) -> None:
        if raw.strip().lower() in FOLLOW_STAGE_WORDS:
            self.read.state["category_is_explicit"] = False
            return
        found = match_by_prefix(raw, CATEGORIES)
        if len(found) != 1:
            listed = ", ".join(CATEGORIES)
            self.fail(
                "category",
                f"`{raw}` is not a forecast category. Categories: {listed}, "
                "or `auto` to follow the stage",
            )
            return
        self.read.state["forecast_category"] = found[0]
        self.read.state["category_is_explicit"] = True

    def amount(self, raw: str) -> None:
        if raw.strip().lower() in CLEARING_WORDS:
            self.read.state["amount"] = None
            return
        try:
            rules = reading_of(self.workspace)
            self.read.state["amount"] = parse_amount(
                raw, self.workspace.currency_symbol, rules.decimal_comma
            )
        except ParseError as error:
            self.fail("amount", f"{error}; for example `amount=120k`, `amount=$1.2M`")

    def close(self, raw: str) -> None:
        if raw.strip().lower() in CLEARING_WORDS:
            self.read.state["close_date"] = None
            return
        try:
            rules = reading_of(self.workspace)
            self.read.state["close_date"] = parse_date(
                raw,
                self.today,
                self.workspace.fiscal_year_start_month,
                rules.day_first,
                rules.locale,
            )
        except ParseError as error:
            self.fail("close", f"{error}; write it like {DATE_EXAMPLES}")

    def dimension(self, key: str, raw: str) -> None:
        value = raw.strip()
        if value.lower() in CLEARING_WORDS:
            self.read.state[key] = None
            return
        if len(value) > MAX_LENGTH["dimension"]:
            self.fail(key, f"{key} is {len(value)} characters long; at most 128 fit")
            return
        known = workspaces.list_dimension_values(self.session, self.workspace.id, key)
        match = match_known_value(value, known)
        if isinstance(match, list):
            self.fail(key, f"`{value}` is close to {_either(match)}; type one exactly")
            return
        self.read.state[key] = match.value
        self._note_match(key, value, match)

    def _note_match(self, key: str, typed: str, match: ValueMatch) -> None:
        if match.how == "typo":
            self.read.notes.append(f"Took {key} `{typed}` as `{match.value}`.")
        elif match.how == "new":
            self.read.new_values.append((key, match.value))
            self.read.notes.append(f"`{match.value}` is a new {key}; added it to the list.")

    def campaign(self, raw: str) -> None:
        """The deal's primary campaign (Opportunity.CampaignId), by name or Salesforce Id."""
        value = raw.strip()
        if value.lower() in CLEARING_WORDS:
            self.read.state["campaign_id"] = None
            return
        ws = self.workspace.id
        found = store_campaigns.campaigns_named(self.session, ws, value)
        if len(found) == 1:
            self.read.state["campaign_id"] = found[0].id
        elif found:
            ids = ", ".join(c.external_id or f"#{c.id}" for c in found)
            self.fail(
                "campaign",
                f"{len(found)} campaigns are named `{value}`; name one by its Id ({ids})",
            )
        else:
            names = [c.name for c in store_campaigns.all_campaigns(self.session, ws)]
            meant = did_you_mean(value, names)
            hint = f"; did you mean `{meant}`?" if meant else "; see `/campaign list`"
            self.fail("campaign", f"no campaign is named `{value}`{hint}")

    def owner(self, raw: str) -> None:
        if not raw.strip():
            return  # a form left blank keeps the owner; a deal always has one
        if not is_manager(self.person):
            self.fail("owner", "only managers and admins can give a deal to someone else")
            return
        owner = find_person(self.session, self.workspace.id, raw, self.now)
        if owner is None:
            self.fail("owner", f"no one called `{raw}` is known here; mention them: `owner=@jane`")
        elif isinstance(owner, list):
            names = ", ".join(p.display_name for p in owner)
            self.fail("owner", f"`{raw}` could be {names}; mention the one you mean")
        elif not acts_for(self.session, self.person, owner.id):
            self.fail("owner", f"{owner.display_name} is not in your team")
        else:
            self.read.state["owner_id"] = owner.id

    def settle_category(self) -> None:
        """The category follows the stage unless set explicitly; closed stages fix it."""
        stage_name = self.current("stage")
        stage = next((s for s in self.stages if s.name == stage_name), None)
        if stage is None:
            return
        explicit = self.current("category_is_explicit")
        category = self.current("forecast_category")
        if stage.status != "open":
            if "forecast_category" in self.read.state and category != stage.category:
                self.fail(
                    "category",
                    f"a {stage.name} deal is always in the {stage.category} category",
                )
            self.read.state["forecast_category"] = stage.category
            self.read.state["category_is_explicit"] = False
        elif category == "Closed" and explicit:
            self.fail("category", "Closed is for won deals; set `stage=Closed Won` instead")
        elif not explicit:
            self.read.state["forecast_category"] = stage.category
            self.read.state["category_is_explicit"] = False

    def close_when_decided(self, close_typed: bool) -> None:
        """A deal won or lost now closes today: a close date still ahead would keep it out
        of both closed and open pipeline until then. A close date typed with it is kept."""
        if close_typed or self.read.state.get("status") not in ("won", "lost"):
            return
        if self.deal is not None and self.deal.status == self.read.state["status"]:
            return
        close = self.current("close_date")
        if close is None or close > self.today:
            self.read.state["close_date"] = self.today
            was = f" (it was {close.isoformat()})" if close else ""
            self.read.notes.append(
                f"Closed today, so its close date is now {self.today.isoformat()}{was}; "
                "to keep another, add `close=DATE`."
            )

    def warn_past_close(self) -> None:
        close = self.current("close_date")
        touched = "close_date" in self.read.state or "status" in self.read.state
        is_open = self.current("status") == "open"
        if touched and is_open and close is not None and close < self.today:
            self.read.notes.append(
                f"The close date {close.isoformat()} is in the past for an open deal; saved anyway."
            )


def _either(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def find_person(
    session: Session, workspace_id: str, text: str, now: datetime | None = None
) -> Person | list[Person] | None:
    """The person `text` names: a Slack mention `<@U123|jane>`, `@jane`, a name or an email.

    A mention of someone not seen before adds them as a rep, since Slack vouches for them.
    """
    text = text.strip()
    if match := _MENTION.match(text):
        user_id, label = match[1], match[2]
        person = people.person_by_slack_id(session, workspace_id, user_id)
        if person is not None and label and person.display_name == user_id:
            person.display_name = label  # known until now only by their id
        if person is None and now is not None:
            person = people.add_person(
                session,
                workspace_id,
                display_name=label or user_id,
                slack_user_id=user_id,
                role="rep",
                now=now,
            )
        return person
    found = people.people_by_name(session, workspace_id, text.removeprefix("@"))
    if not found:
        return None
    return found[0] if len(found) == 1 else found


def read_fields(
    session: Session,
    workspace: Workspace,
    person: Person,
    deal: Deal | None,
    raw: dict[str, str],
    *,
    today: date,
    now: datetime,
) -> FieldsRead:
    """The new state `raw` describes for `deal` (a new deal when None); raises FieldErrors."""
    reader = _Reader(
        session, workspace, person, deal, today, now, workspaces.list_stages(session, workspace.id)
    )
    for key, value in raw.items():
        if key == "name":
            reader.text("name", value, "name", MAX_LENGTH["name"], required=True)
        elif key == "account":
            reader.text("account", value, "account", MAX_LENGTH["account"])
        elif key == "next":
            reader.text("next", value, "next_step", MAX_LENGTH["next"])
        elif key in DIMENSIONS:
            reader.dimension(key, value)
        else:
            getattr(reader, key)(value)
    if deal is None:
        _fill_new_deal(reader)
    reader.settle_category()
    reader.close_when_decided("close" in raw)
    reader.warn_past_close()
    if reader.errors:
        raise FieldErrors(reader.errors)
    return reader.read


def _fill_new_deal(reader: _Reader) -> None:
    state = reader.read.state
    if "stage" not in state and "stage" not in reader.errors:
        first = reader.stages[0]
        state["stage"], state["status"] = first.name, first.status
    state.setdefault("owner_id", reader.person.id)
    state.setdefault("created_date", reader.today)
    state.setdefault("category_is_explicit", False)
    if "name" not in state and "name" not in reader.errors:
        reader.fail("name", 'a new deal needs a name; for example `/deal new "Acme renewal"`')
