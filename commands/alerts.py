"""`/alerts`: subscribe yourself or a channel to deal events (won, lost, pushed out of the
quarter, slipped past its close date, a big change in amount, a big new deal), at once or
as an hourly or daily digest."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.councils.meeting import read_channel
from commands.deals.fields import find_person
from commands.formatting import short_money
from commands.metrics import NONE_LABEL
from commands.parsing import ParseError, match_known_value, parse_amount
from commands.permissions import is_manager
from commands.results import CommandError, Duplicate, Help, Problem, Refused, Stop, read_words
from commands.unit import Unit, run_unit
from commands.workspace import DIMENSIONS, local_today
from store import alerts as store_alerts
from store import people, workspaces
from store.models import AlertSubscription, Person, Workspace

EXAMPLE = "/alerts add won lost pushed region=EMEA min=50k"
SIMPLE_EVENTS = ("won", "lost", "pushed", "slipped")
CADENCES = ("now", "hourly", "daily")
EVENT_NAMES = {
    "won": "won",
    "lost": "lost",
    "pushed": "pushed out of the quarter",
    "slipped": "slipped past its close date",
    "changed": "amount changed",
    "new": "new deal",
}
_THRESHOLD = re.compile(r"^(changed|new)(?:[>=](.+))?$", re.IGNORECASE)


def alerts_help() -> str:
    """*Deal alerts.* Hear of deal events as they happen, or batched.

    `/alerts` lists your subscriptions (and the channels' you made).
    `/alerts add won lost` DMs you when a deal is won or lost.
    Events: `won`, `lost`, `pushed` (its close date moved out of its quarter), `slipped`
    (still open after its close date), `changed>20%` or `changed>50k` (its amount moved
    by more than that), `new>100k` (a new deal of at least that; `new` for any).
    Filters: `team=@sam` (their team's deals), `region=EMEA` (or product, segment,
    source), `min=50k` (deals of at least that).
    How often: `now` (the default; a deal that changes again within the hour edits its
    alert), `hourly` or `daily` (one digest message per hour or day).
    Where: `to=#deals` posts in a channel (managers and admins).
    `/alerts remove 3` stops subscription 3.
    Reps hear of their own deals, managers of their team's, admins of all.
    """
    return inspect.cleandoc(alerts_help.__doc__ or "")


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    events: list[str]
    filters: list[str]
    cadence: str
    channel: str  # a channel id, or a user id for a DM
    dm: bool
    by: str


@dataclass(frozen=True)
class AlertList:
    subscriptions: list[SubscriptionView]
    saved: str = ""


AlertsResult = AlertList | Help | Stop | Duplicate


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> AlertsResult:
    """Carry out what someone typed after `/alerts`; `key` makes a redelivery harmless."""
    words = read_words(text, EXAMPLE)
    if isinstance(words, Problem):
        return words
    first = words[0].lower() if words else "list"
    if first == "help":
        return Help("/alerts", alerts_help())
    if first not in ("list", "add", "remove"):
        return Problem(
            f"`{words[0]}` is not something /alerts does: `list`, `add ...` or `remove N`.",
            example=EXAMPLE,
        )

    def work(unit: Unit) -> AlertList:
        me, workspace = unit.member()
        if first == "add":
            return _add(unit.session, workspace, me, words[1:], unit.now)
        if first == "remove":
            return _remove(unit.session, workspace, me, words[1:])
        return listing(unit.session, workspace, me)

    return run_unit(env, actor, work, key=None if first == "list" else key)


def _visible(session: Session, workspace: Workspace, me: Person) -> list[AlertSubscription]:
    """Mine, and for an admin every channel's."""
    found = store_alerts.subscriptions(session, workspace.id)
    return [
        s
        for s in found
        if s.person_id == me.id or (me.role == "admin" and s.channel[:1] in ("C", "G"))
    ]


def listing(session: Session, workspace: Workspace, me: Person, saved: str = "") -> AlertList:
    names = {p.id: p.display_name for p in people.list_people(session, workspace.id)}
    symbol = workspace.currency_symbol
    found = _visible(session, workspace, me)
    return AlertList([view(s, names, symbol) for s in found], saved)


def view(s: AlertSubscription, names: dict[int, str], symbol: str) -> SubscriptionView:
    events = []
    for event in s.events:
        if event == "changed":
            parts = []
            if s.change_pct is not None:
                parts.append(f"{s.change_pct}%")
            if s.change_amount is not None:
                parts.append(short_money(s.change_amount, symbol))
            events.append("amount changed by more than " + " or ".join(parts))
        elif event == "new":
            minimum = s.new_amount
            events.append("new deal" + (f" of {short_money(minimum, symbol)}+" if minimum else ""))
        else:
            events.append(EVENT_NAMES[event])
    filters = []
    if s.team_of_id is not None:
        filters.append(f"{names.get(s.team_of_id, 'someone')}'s team")
    if s.dimension:
        filters.append(f"{s.dimension} {s.dimension_value}")
    if s.min_amount is not None:
        filters.append(f"{short_money(s.min_amount, symbol)}+")
    return SubscriptionView(
        s.id,
        events,
        filters,
        s.cadence,
        s.channel,
        s.channel[:1] not in ("C", "G"),
        names.get(s.person_id, "someone"),
    )


@dataclass
class _Wish:
    events: list[str]
    change_pct: int | None = None
    change_amount: Decimal | None = None
    new_amount: Decimal | None = None
    team_of: Person | None = None
    dimension: str | None = None
    value: str | None = None
    min_amount: Decimal | None = None
    cadence: str = "now"
    channel: str | None = None
    channel_name: str = ""


def _problem(message: str) -> CommandError:
    return CommandError(Problem(message, example=EXAMPLE))


def _amount(text: str, what: str) -> Decimal:
    try:
        amount = parse_amount(text)
    except ParseError as error:
        raise _problem(f"{what}: {error}.") from None
    return amount


def _change(wish: _Wish, text: str) -> None:
    for part in text.split("|"):
        if part.endswith("%"):
            number = part[:-1].strip()
            if not number.isdigit() or not 0 < int(number) <= 1000:
                raise _problem(f"`changed>{text}`: a percentage is a whole number, like `20%`.")
            wish.change_pct = int(number)
        else:
            wish.change_amount = _amount(part, f"`changed>{text}`")


def _read(session: Session, workspace: Workspace, words: list[str], now: datetime) -> _Wish:
    wish = _Wish([])
    for word in words:
        lower = word.lower()
        key, equals, value = word.partition("=")
        threshold = _THRESHOLD.match(word)
        if lower in SIMPLE_EVENTS:
            wish.events.append(lower)
        elif threshold:
            kind, limit = threshold[1].lower(), threshold[2]
            wish.events.append(kind)
            if kind == "changed":
                if not limit:
                    raise _problem("`changed` needs a size: `changed>20%` or `changed>50k`.")
                _change(wish, limit)
            elif limit:
                wish.new_amount = _amount(limit, f"`{word}`")
        elif lower in CADENCES:
            wish.cadence = lower
        elif equals and key.lower() in ("every", "cadence"):
            if value.lower() not in CADENCES:
                raise _problem(f"`{word}`: how often is `now`, `hourly` or `daily`.")
            wish.cadence = value.lower()
        elif equals and key.lower() == "min":
            wish.min_amount = _amount(value, f"`{word}`")
        elif equals and key.lower() == "team":
            found = find_person(session, workspace.id, value, now)
            if not isinstance(found, Person):
                raise _problem(f"`{word}`: I know no one person called `{value}`; mention them.")
            wish.team_of = found
        elif equals and key.lower() in DIMENSIONS:
            wish.dimension, wish.value = key.lower(), _known(session, workspace, key, value)
        elif equals and key.lower() in ("to", "channel"):
            try:
                wish.channel, wish.channel_name = read_channel(value)
            except ParseError as error:
                raise _problem(f"`{word}`: {error}.") from None
            if wish.channel[:1] not in ("C", "G"):
                raise _problem(
                    f"`{word}`: pick the channel from Slack's list (type `#` and choose it), "
                    "so it is a link I can post in."
                )
        else:
            raise _problem(
                f"I could not read `{word}`: events are won, lost, pushed, slipped, "
                "changed>20%, changed>50k, new>100k; filters team=@name, region=EMEA, "
                "min=50k; how often now, hourly or daily; where to=#channel."
            )
    if not wish.events:
        raise _problem("Which events? For example `won lost pushed slipped changed>20% new>100k`.")
    wish.events = list(dict.fromkeys(wish.events))
    return wish


def _known(session: Session, workspace: Workspace, dimension: str, text: str) -> str:
    if text == NONE_LABEL:
        return text
    known = workspaces.list_dimension_values(session, workspace.id, dimension.lower())
    match = match_known_value(text, known)
    if isinstance(match, list) or match.how == "new":
        listed = ", ".join(known) or "none yet"
        raise _problem(f"`{text}` is not a known {dimension.lower()}. Known: {listed}")
    return match.value


def _add(
    session: Session, workspace: Workspace, me: Person, words: list[str], now: datetime
) -> AlertList:
    wish = _read(session, workspace, words, now)
    if wish.channel and not is_manager(me):
        raise CommandError(
            Refused(
                "Only managers and admins subscribe a channel to alerts; "
                "without `to=#channel` the alerts come to you.",
                who_can="managers and admins",
            )
        )
    if wish.channel is None and not me.slack_user_id:
        raise _problem("I have no Slack user to DM you at; add `to=#channel`.")
    subscription = store_alerts.add_subscription(
        session,
        AlertSubscription(
            workspace_id=workspace.id,
            person_id=me.id,
            channel=wish.channel or me.slack_user_id,
            events=wish.events,
            change_pct=wish.change_pct,
            change_amount=wish.change_amount,
            new_amount=wish.new_amount,
            team_of_id=wish.team_of.id if wish.team_of else None,
            dimension=wish.dimension,
            dimension_value=wish.value,
            min_amount=wish.min_amount,
            cadence=wish.cadence,
            active=True,
            created_at=now,
        ),
    )
    # The watermark starts with the workspace's first subscription, so what happens from
    # now on is alerted even before the clock's first round.
    if store_alerts.cursor(session, workspace.id) is None:
        latest = store_alerts.latest_version_id(session)
        store_alerts.start_cursor(session, workspace.id, latest, local_today(workspace, now))
    where = f"#{wish.channel_name}" if wish.channel else "you"
    how = {"now": "as they happen", "hourly": "hourly", "daily": "daily"}[wish.cadence]
    saved = f"Subscription {subscription.id} added: alerts go to {where} {how}."
    return listing(session, workspace, me, saved)


def _remove(session: Session, workspace: Workspace, me: Person, words: list[str]) -> AlertList:
    if len(words) != 1 or not words[0].lstrip("#").isdigit():
        raise CommandError(
            Problem("Remove which? Give its number from `/alerts`.", "/alerts remove 3")
        )
    number = int(words[0].lstrip("#"))
    found = next((s for s in _visible(session, workspace, me) if s.id == number), None)
    if found is None:
        raise CommandError(
            Problem(f"You have no subscription {number}; `/alerts` lists yours.", "/alerts")
        )
    found.active = False
    return listing(session, workspace, me, f"Subscription {number} removed.")
