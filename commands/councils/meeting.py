"""Councils: which channel meets when, looking at which dimensions, with which colours."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from commands.metrics import Thresholds
from commands.parsing import ParseError, match_by_prefix
from commands.results import CommandError, Notice, Problem
from commands.workspace import DIMENSIONS
from store import councils as store_councils
from store.models import Council, Person

CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|([^>]*))?>$")
DAYS = [name.lower() for name in calendar.day_name]
OWNERS_FOR = ("red", "red+yellow")
THRESHOLD_KEYS = {
    "coverage_green": "coverage_green",
    "coverage_yellow": "coverage_yellow",
    "forecast_green": "forecast_green",
    "forecast_yellow": "forecast_yellow",
    "pacing_gap": "pacing_yellow_gap",
    "open_yoy_green": "open_yoy_green",
    "open_yoy_yellow": "open_yoy_yellow",
}
# Kept with the thresholds: `flat` (coverage_green) or `evidence` (each cell's win rate).
COVERAGE_MODE = "coverage"
CREATE_EXAMPLE = (
    "/council create #pipeline dimensions=product,region day=mon time=09:00 tz=Europe/Paris"
)


@dataclass(frozen=True)
class CouncilView:
    name: str
    channel: str
    dimensions: list[str]
    day: str
    time: str
    timezone: str
    owners_for: str
    paused: bool
    paused_reason: str | None
    next_digest: datetime | None
    owners_max: int = 10


@dataclass(frozen=True)
class CouncilList:
    councils: list[CouncilView]


def thresholds_of(council: Council) -> Thresholds:
    stored = dict(council.thresholds or {})
    evidence = stored.pop(COVERAGE_MODE, "flat") == "evidence"
    values = {k: Decimal(str(v)) for k, v in stored.items()}
    return Thresholds(**values, coverage_by_evidence=evidence)


def read_channel(text: str) -> tuple[str, str]:
    """(channel id, name) from `<#C0123|council>` as Slack sends it, or `#council`."""
    text = text.strip()
    if match := CHANNEL.match(text):
        return match[1], match[2] or match[1]
    if text.startswith("#") and len(text) > 1:
        return text, text[1:]
    raise ParseError(f"`{text}` is not a channel; write it as #channel")


def parse_day(text: str) -> int:
    found = match_by_prefix(text, DAYS)
    if len(found) != 1 or len(text) < 2:
        raise ParseError(f"`{text}` is not a day of the week (mon, tue, ... sun)")
    return DAYS.index(found[0])


def parse_time(text: str) -> str:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not match:
        raise ParseError(f"`{text}` is not a time; write it like 09:00 or 9am")
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise ParseError(f"`{text}` is not a time")
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ParseError(f"`{text}` is not a time")
    return f"{hour:02d}:{minute:02d}"


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(
            f"`{text}` is not a time zone; use an IANA name like Europe/Paris"
        ) from None
    return text


def _dimensions(text: str) -> list[str]:
    chosen = [d.strip().lower() for d in text.split(",") if d.strip()]
    wrong = [d for d in chosen if d not in DIMENSIONS]
    if wrong or not chosen:
        raise ParseError(f"dimensions are some of {', '.join(DIMENSIONS)}, not `{text}`")
    return list(dict.fromkeys(chosen))


def read_options(fields: dict[str, str]) -> dict[str, Any]:
    """Council settings from `key=value` text; raises CommandError listing every problem."""
    values: dict[str, Any] = {}
    thresholds: dict[str, float | str] = {}
    problems: list[str] = []
    readers = {
        "dimensions": ("dimensions", _dimensions),
        "day": ("weekday", parse_day),
        "time": ("at_time", parse_time),
        "tz": ("timezone", _zone),
        "timezone": ("timezone", _zone),
        "name": ("name", lambda t: t.strip()[:80]),
    }
    for key, raw in fields.items():
        try:
            if key in readers:
                column, read = readers[key]
                values[column] = read(raw)
            elif key == "owners":
                if raw.lower() not in OWNERS_FOR:
                    raise ParseError(f"owners is `red` or `red+yellow`, not `{raw}`")
                values["owners_for"] = raw.lower()
            elif key == "owners_max":
                values["owners_max"] = _owners_max(raw)
            elif key == COVERAGE_MODE:
                if raw.lower() not in ("flat", "evidence"):
                    raise ParseError(f"coverage is `flat` or `evidence`, not `{raw}`")
                thresholds[COVERAGE_MODE] = raw.lower()
            elif key in THRESHOLD_KEYS:
                thresholds[THRESHOLD_KEYS[key]] = float(Decimal(raw))
            else:
                known = ", ".join(
                    [*readers, "owners", "owners_max", COVERAGE_MODE, *THRESHOLD_KEYS]
                )
                raise ParseError(f"`{key}` is not a council setting ({known})")
        except (ParseError, InvalidOperation) as error:
            problems.append(str(error) if isinstance(error, ParseError) else f"`{raw}` for {key}")
    if problems:
        raise CommandError(Problem("\n".join(problems), example=CREATE_EXAMPLE))
    if thresholds:
        values["thresholds"] = thresholds
    return values


OWNERS_MAX_LIMIT = 40  # each is a thread reply; past this a digest is a wall


def _owners_max(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= OWNERS_MAX_LIMIT:
        raise ParseError(
            f"owners_max is how many rows a digest asks owners for, 1 to {OWNERS_MAX_LIMIT}, "
            f"not `{text}`"
        )
    return int(text)


def next_digest(council: Council, now: datetime) -> datetime:
    """The next meeting time after `now`, in the council's own time zone."""
    zone = ZoneInfo(council.timezone)
    local = now.astimezone(zone)
    hour, minute = map(int, council.at_time.split(":"))
    day = local.date() + timedelta(days=(council.weekday - local.weekday()) % 7)
    moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if moment <= local:
        moment = datetime.combine(day + timedelta(days=7), time(hour, minute), tzinfo=zone)
    return moment


def this_weeks_meeting(council: Council, now: datetime) -> datetime:
    """This week's meeting time (Monday to Sunday, in the council's zone)."""
    zone = ZoneInfo(council.timezone)
    local = now.astimezone(zone)
    hour, minute = map(int, council.at_time.split(":"))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(
        monday + timedelta(days=council.weekday), time(hour, minute), tzinfo=zone
    )


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def view(council: Council, now: datetime) -> CouncilView:
    return CouncilView(
        council.name,
        council.channel_id,
        list(council.dimensions),
        DAYS[council.weekday][:3],
        council.at_time,
        council.timezone,
        council.owners_for,
        council.paused,
        council.paused_reason,
        None if council.paused else next_digest(council, now),
        council.owners_max,
    )


def create(
    session: Session,
    me: Person,
    args: list[str],
    fields: dict[str, str],
    now: datetime,
    default_zone: str,
) -> Notice:
    if not args:
        raise CommandError(Problem("Which channel?", example=CREATE_EXAMPLE))
    try:
        channel_id, channel_name = read_channel(args[0])
    except ParseError as error:
        raise CommandError(Problem(str(error), example=CREATE_EXAMPLE)) from None
    values = {
        "name": channel_name,
        "dimensions": ["product", "region"],
        "weekday": 0,
        "at_time": "09:00",
        "timezone": default_zone,
        "owners_for": "red",
        "thresholds": {},
        **read_options(fields),
    }
    if store_councils.council_named(session, me.workspace_id, values["name"]):
        raise CommandError(
            Problem(
                f"There is already a council named {values['name']}; "
                "give this one another with name=...",
                example=f"{CREATE_EXAMPLE} name=emea-council",
            )
        )
    council = Council(
        workspace_id=me.workspace_id,
        channel_id=channel_id,
        paused=False,
        deleted=False,
        created_by_id=me.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(council)
    session.flush()
    when = next_digest(council, now)
    return Notice(
        f"Council {council.name} created: its digest goes to {channel_name} every "
        f"{calendar.day_name[council.weekday]} at {council.at_time} {council.timezone} "
        f"(next: {when:%Y-%m-%d %H:%M %Z}), showing {', '.join(council.dimensions)}. "
        "Make sure I am in that channel: /invite @Pipeline Council"
    )


def find(session: Session, workspace_id: str, name: str) -> Council:
    name = name.strip().removeprefix("#")
    if match := CHANNEL.match(name):
        name = match[2] or match[1]
    council = store_councils.council_named(session, workspace_id, name)
    if council is None:
        names = [c.name for c in store_councils.councils(session, workspace_id)]
        raise CommandError(
            Problem(
                f"No council named `{name}`. Councils: {', '.join(names) or 'none yet'}",
                example="/council list",
            )
        )
    return council


def edit(session: Session, council: Council, fields: dict[str, str], now: datetime) -> Notice:
    if not fields:
        raise CommandError(
            Problem("What should change?", example="/council edit pipeline day=tue time=10:00")
        )
    values = read_options(fields)
    if "thresholds" in values:
        values["thresholds"] = {**(council.thresholds or {}), **values["thresholds"]}
    for column, value in values.items():
        setattr(council, column, value)
    council.updated_at = now
    return Notice(f"Council {council.name} updated: {', '.join(fields)}.")


def set_paused(council: Council, paused: bool, now: datetime, reason: str = "") -> Notice:
    council.paused, council.paused_reason, council.updated_at = paused, reason or None, now
    if paused:
        return Notice(
            f"Council {council.name} is paused; `/council resume {council.name}` starts it again."
        )
    return Notice(
        f"Council {council.name} is running again; next digest "
        f"{next_digest(council, now):%Y-%m-%d %H:%M %Z}."
    )


def delete(council: Council, now: datetime) -> Notice:
    council.deleted, council.updated_at = True, now
    return Notice(f"Council {council.name} is deleted; its past digests and actions are kept.")
