"""The /council family: administration of people and roles (councils come later)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from commands import checklist
from commands.actions.views import kinds_of
from commands.context import Actor, Env
from commands.councils import meeting as councils
from commands.councils.daily import set_daily
from commands.deals.fields import find_person
from commands.parsing import ParseError
from commands.periods import parse_period
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
from commands.targets import TARGET_EXAMPLE, read_target, save_target, shown_amount
from commands.unit import Unit, run_unit
from commands.workspace import ROLES, local_today
from store import councils as store_councils
from store import people, workspaces
from store import targets as store_targets
from store.models import Person, Workspace


def council_help() -> str:
    """*Administer the pipeline council* (admins).

    `/council people` lists everyone with their role and manager.
    `/council role @user rep|manager|admin` changes someone's role.
    `/council manager @user @boss` makes @boss their manager; `@user none` removes it.
    `/council target PERIOD DIMENSION VALUE closed|pipegen AMOUNT` sets a target, e.g.
    `/council target 2026-Q4 region EMEA closed 1.2M`, `/council target this total pipegen 5M`.
    The hand-off SLA's MQL target is a count: `/council target 2026-Q4 total mqls 600`
    (for the total, a source or a segment).
    The value is one your deals have (`emea` is taken as `EMEA`); add `new` at the end for
    one no deal has yet.
    `/council targets [PERIOD]` lists a period's targets.
    `/council create #channel [dimensions=product,region] [day=mon] [time=09:00]
    [tz=Europe/Paris] [owners=red|red+yellow] [owners_max=10] [name=...]` sets up a weekly
    council (its digest asks owners for at most `owners_max` rows, the largest gaps first); colour
    thresholds too: `coverage_green=3 coverage_yellow=2 forecast_green=1 forecast_yellow=0.9
    pacing_gap=0.1 open_yoy_yellow=-0.1`; `coverage=evidence` colours coverage against what
    each cell's own win rate over the last four quarters needs, instead of the flat 3x.
    `/council list`; `/council edit NAME key=value ...` (`daily=pipegen` adds a daily post
    of yesterday's pipeline generation, `daily_at=08:00` its time, `daily=off` stops it);
    `/council pause NAME`;
    `/council resume NAME`; `/council delete NAME` (its history is kept).
    `/council settings` shows the workspace's settings and stages;
    `/council settings fiscal_start=2 currency=€ timezone=Europe/Paris stale_days=21`
    changes them (fiscal_start is the month the fiscal year starts, 1-12);
    `/council settings actions="SPIFF,Enablement,Webinar series,Other"` sets the actions
    a cell's owner can be given; `nudge_day=mon nudge_time=09:00 nudges=on|off` when
    reps get their weekly forecast questions and clean-your-room DMs.
    `/council questions` lists the forecast questions; `/council questions meddicc` (or
    `default`) picks a set; `/council questions add "Legal: Has legal seen the MSA?"` and
    `/council questions remove legal` change them.
    """
    return inspect.cleandoc(council_help.__doc__ or "")


@dataclass(frozen=True)
class PersonRow:
    name: str
    role: str
    manager: str


@dataclass(frozen=True)
class PeopleList:
    people: list[PersonRow]


@dataclass(frozen=True)
class StageRow:
    name: str
    category: str
    probability: int
    status: str


@dataclass(frozen=True)
class WorkspaceSettings:
    fiscal_start: int
    currency: str
    timezone: str
    stale_days: int
    stages: list[StageRow]
    changed: list[str]
    actions: list[str]
    nudges: str


@dataclass(frozen=True)
class TargetRow:
    dimension: str
    value: str
    metric: str
    amount: str


@dataclass(frozen=True)
class TargetList:
    period: str
    targets: list[TargetRow]


CouncilResult = (
    councils.CouncilList
    | TargetList
    | PeopleList
    | WorkspaceSettings
    | checklist.QuestionList
    | Notice
    | Help
    | Stop
    | Duplicate
)


def run(env: Env, actor: Actor, text: str, key: str | None = None) -> CouncilResult:
    """Carry out what someone typed after `/council`; `key` makes a replay harmless."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    if not words or words[0].lower() == "help":
        return Help("/council", council_help())
    verb, args = words[0].lower(), words[1:]
    if verb not in VERBS:
        return Problem(f"`{verb}` is not a /council command.", example="/council help")
    # Every verb may write (`people`, `targets` and `questions` too, through their
    # subcommands), so each is claimed once; only `list` only reads, and shows again.
    return run_unit(
        env, actor, lambda unit: _carry_out(unit, verb, args), key=None if verb == "list" else key
    )


def _carry_out(unit: Unit, verb: str, args: list[str]) -> CouncilResult:
    session, now, me, workspace_id = unit.session, unit.now, unit.me, unit.actor.workspace_id
    if verb == "people":
        return _people(session, workspace_id)
    if verb in COUNCIL_VERBS:
        return _councils(session, me, unit.actor, verb, args, now)
    if verb == "targets":
        return _targets(session, workspace_id, args, now)
    if verb == "target":
        _require_admin(session, me)
        return _target(session, workspace_id, args, now)
    if verb == "questions":
        if args:
            _require_admin(session, me)
        workspace, _ = _today(session, workspace_id, now)
        return checklist.configure(workspace, args)
    if verb == "settings":
        if args:
            _require_admin(session, me)
        return _settings(session, workspace_id, args)
    _require_admin(session, me)
    if verb == "role":
        return _role(session, me, args, now)
    return _manager(session, workspace_id, args, now)


COUNCIL_VERBS = ("create", "list", "edit", "pause", "resume", "delete")
VERBS = (*COUNCIL_VERBS, "people", "targets", "target", "questions", "settings", "role", "manager")


def _councils(
    session: Session, me: Person, actor: Actor, verb: str, args: list[str], now: datetime
) -> CouncilResult:
    if verb == "list":
        return councils.CouncilList(
            [councils.view(c, now) for c in store_councils.councils(session, me.workspace_id)]
        )
    _require_admin(session, me)
    words = [a for a in args if "=" not in a]
    fields = {}
    for arg in args:
        if "=" in arg:
            key, _, value = arg.partition("=")
            fields[key.strip().lower()] = value.strip()
    if verb == "create":
        workspace, _ = _today(session, me.workspace_id, now)
        return councils.create(
            session, me, words, fields, now, actor.timezone or workspace.timezone
        )
    if not words:
        raise CommandError(Problem("Which council?", example=f"/council {verb} pipeline"))
    council = councils.find(session, me.workspace_id, words[0])
    if verb == "edit":
        daily: dict[str, str] = {k: fields.pop(k) for k in ("daily", "daily_at") if k in fields}
        if daily:
            said = set_daily(session, council, daily, now)
            if not fields:
                return said
            edited = councils.edit(session, council, fields, now)
            return Notice(f"{edited.text} {said.text}")
        return councils.edit(session, council, fields, now)
    if verb == "delete":
        return councils.delete(council, now)
    return councils.set_paused(council, verb == "pause", now)


def _today(session: Session, workspace_id: str, now: datetime) -> tuple[Workspace, date]:
    workspace = workspaces.get_workspace(session, workspace_id)
    assert workspace is not None
    return workspace, local_today(workspace, now)


def _target(session: Session, workspace_id: str, args: list[str], now: datetime) -> Notice:
    workspace, today = _today(session, workspace_id, now)
    allow_new = bool(args) and args[-1].lower() == "new"
    if allow_new:
        args = args[:-1]
    if len(args) == 4 and args[1].lower() == "total":
        args = [args[0], "total", "", args[2], args[3]]
    if len(args) != 5:
        raise CommandError(
            Problem(
                "Give a period, a dimension and value (or total), a metric and an amount.",
                example=TARGET_EXAMPLE,
            )
        )
    try:
        spec = read_target(session, workspace, today, args, allow_new=allow_new)
    except ParseError as error:
        raise CommandError(Problem(str(error), example=TARGET_EXAMPLE)) from None
    old = save_target(session, workspace, spec, now)
    where = "total" if spec.dimension == "total" else f"{spec.dimension} {spec.value}"
    symbol = workspace.currency_symbol
    was = f" (was {shown_amount(spec.metric, old, symbol)})" if old is not None else ""
    added = f" `{spec.value}` is a new {spec.dimension}; added it to the list." * spec.new_value
    return Notice(
        f"Target for {spec.period} {where} {spec.metric}: "
        f"{shown_amount(spec.metric, spec.amount, symbol)}{was}."
        + (f" {spec.note}" if spec.note else "")
        + added
    )


def _targets(session: Session, workspace_id: str, args: list[str], now: datetime) -> TargetList:
    workspace, today = _today(session, workspace_id, now)
    try:
        period = parse_period(args[0] if args else None, today, workspace.fiscal_year_start_month)
    except ParseError as error:
        raise CommandError(Problem(str(error), example="/council targets 2026-Q4")) from None
    rows = [
        TargetRow(
            t.dimension,
            t.value or "–",
            t.metric,
            shown_amount(t.metric, t.amount, workspace.currency_symbol),
        )
        for t in store_targets.list_targets(session, workspace_id, period.label)
    ]
    return TargetList(period.label, rows)


SETTINGS_EXAMPLE = "/council settings fiscal_start=2 currency=€ timezone=Europe/Paris"


def _settings(session: Session, workspace_id: str, args: list[str]) -> WorkspaceSettings:
    workspace = workspaces.get_workspace(session, workspace_id)
    assert workspace is not None
    changed: list[str] = []
    problems: list[str] = []
    for arg in args:
        key, _, value = arg.partition("=")
        key = key.lower()
        if key in ("fiscal_start", "fiscal_year_start"):
            if not (value.isdigit() and 1 <= int(value) <= 12):
                problems.append(f"fiscal_start is a month number from 1 to 12, not `{value}`")
                continue
            workspace.fiscal_year_start_month = int(value)
        elif key == "currency":
            if not 1 <= len(value) <= 8:
                problems.append("currency is a symbol of 1 to 8 characters, such as `€` or `CHF `")
                continue
            workspace.currency_symbol = value
        elif key in ("timezone", "tz"):
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(f"`{value}` is not a time zone; use an IANA name like Europe/Paris")
                continue
            workspace.timezone = value
        elif key == "actions":
            kinds = [k.strip() for k in value.split(",") if k.strip()]
            if not kinds or any(len(k) > 40 for k in kinds):
                problems.append(
                    "actions is a comma-separated list, e.g. "
                    '`actions="SPIFF,Enablement,Webinar series,Other"`'
                )
                continue
            workspace.action_kinds = kinds
        elif key in ("nudge_day", "nudge_time", "nudges"):
            problem = _nudge_setting(workspace, key, value)
            if problem:
                problems.append(problem)
                continue
        elif key == "stale_days":
            if not (value.isdigit() and 1 <= int(value) <= 365):
                problems.append(f"stale_days is a number of days from 1 to 365, not `{value}`")
                continue
            workspace.stale_after_days = int(value)
        else:
            problems.append(
                f"`{key}` is not a setting: fiscal_start, currency, timezone, stale_days, "
                "actions, nudge_day, nudge_time, nudges"
            )
            continue
        changed.append(key)
    if problems:
        raise CommandError(Problem("\n".join(problems), example=SETTINGS_EXAMPLE))
    stages = [
        StageRow(s.name, s.category, s.probability, s.status)
        for s in workspaces.list_stages(session, workspace_id)
    ]
    return WorkspaceSettings(
        workspace.fiscal_year_start_month,
        workspace.currency_symbol,
        workspace.timezone,
        workspace.stale_after_days,
        stages,
        changed,
        kinds_of(session, workspace_id),
        _nudge_summary(workspace),
    )


def _nudge_setting(workspace: Workspace, key: str, value: str) -> str:
    """Apply one of the weekly-nudge settings; the problem with it, or ""."""
    try:
        if key == "nudge_day":
            workspace.nudge_weekday = councils.parse_day(value)
        elif key == "nudge_time":
            workspace.nudge_at = councils.parse_time(value)
        elif value.lower() in ("on", "off"):
            workspace.nudges_on = value.lower() == "on"
        else:
            return f"nudges is `on` or `off`, not `{value}`"
    except ParseError as error:
        return str(error)
    return ""


def _nudge_summary(workspace: Workspace) -> str:
    if not workspace.nudges_on:
        return "Weekly DMs (forecast questions, clean your room) are off (`nudges=on`)"
    day = councils.DAYS[workspace.nudge_weekday].capitalize()
    return (
        f"Weekly DMs (forecast questions, clean your room): {day}s from {workspace.nudge_at} "
        "in each person's time zone"
    )


def _require_admin(session: Session, me: Person) -> None:
    if me.role != "admin":
        admins = [
            p.display_name
            for p in people.list_people(session, me.workspace_id)
            if p.role == "admin"
        ]
        raise CommandError(
            Refused("Only admins can change roles and teams.", who_can=", ".join(admins))
        )


def _someone(session: Session, workspace_id: str, text: str, now: datetime) -> Person:
    found = find_person(session, workspace_id, text, now)
    if found is None:
        raise CommandError(
            Problem(
                f"No one called `{text}` is known here; mention them.",
                example="/council role @jane manager",
            )
        )
    if isinstance(found, list):
        raise CommandError(Problem(f"`{text}` could be several people; mention the one you mean."))
    return found


def _role(session: Session, me: Person, args: list[str], now: datetime) -> Notice:
    if len(args) != 2 or args[1].lower() not in ROLES:
        raise CommandError(
            Problem(
                f"Give a person and a role ({', '.join(ROLES)}).",
                example="/council role @jane manager",
            )
        )
    person = _someone(session, me.workspace_id, args[0], now)
    role = args[1].lower()
    if person.id == me.id and role != "admin":
        others = [
            p
            for p in people.list_people(session, me.workspace_id)
            if p.role == "admin" and p.id != me.id
        ]
        if not others:
            raise CommandError(Problem("You are the only admin; make someone else admin first."))
    if person.role == role:
        return Notice(f"{person.display_name} is already a {role}; no change.")
    old, person.role = person.role, role
    return Notice(f"{person.display_name} is now a {role} (was {old}).")


def _manager(session: Session, workspace_id: str, args: list[str], now: datetime) -> Notice:
    if len(args) != 2:
        raise CommandError(
            Problem("Give a person and their manager.", example="/council manager @jo @sam")
        )
    person = _someone(session, workspace_id, args[0], now)
    if args[1].lower() == "none":
        person.manager_id = None
        return Notice(f"{person.display_name} has no manager now.")
    boss = _someone(session, workspace_id, args[1], now)
    if boss.id == person.id or boss.id in people.team_ids(session, workspace_id, person.id):
        raise CommandError(
            Problem(
                f"{boss.display_name} reports to {person.display_name}; "
                "a reporting line cannot loop."
            )
        )
    person.manager_id = boss.id
    note = ""
    if boss.role == "rep":
        boss.role = "manager"
        note = f" {boss.display_name} is now a manager."
    return Notice(f"{person.display_name} now reports to {boss.display_name}.{note}")


def _people(session: Session, workspace_id: str) -> PeopleList:
    everyone = people.list_people(session, workspace_id)
    names = {p.id: p.display_name for p in everyone}
    return PeopleList(
        [PersonRow(p.display_name, p.role, names.get(p.manager_id or -1, "–")) for p in everyone]
    )
