"""The deals behind a cell: a period's deals for one value of a dimension (and stages),
paged, each with how it moved this week, as the digest's "what changed" counts it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from commands.context import Actor, Env, Pressed
from commands.deals.results import DealDrill, DealResult, DrillLine
from commands.deals.scope import Scope
from commands.metrics import NONE_LABEL
from commands.parsing import ParseError, did_you_mean, match_by_prefix, match_known_value
from commands.periods import RELATIVE, parse_period
from commands.permissions import is_manager
from commands.results import CommandError, Duplicate, Problem, Refused, Stop
from commands.unit import run_unit
from commands.workspace import DIMENSIONS, local_today
from store import deals as store_deals
from store import people, workspaces
from store.metrics import deal_moves

PAGE_SIZE = 10
# "This week's move" compares each deal with itself a week ago, as the digest does.
WEEK = timedelta(days=7)
PERIOD_KEYS = ("closing", "close", "period")
SCOPES = ("mine", "team", "all")
NONE_WORDS = ("none", NONE_LABEL)


@dataclass(frozen=True)
class DrillAsk:
    """What was asked for, as typed: values of dimensions, stages, a period, whose deals."""

    where: dict[str, str] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    period: str | None = None
    scope: str | None = None
    page: int = 0
    # From a button: values exactly as the digest or an earlier page had them, which a
    # deal may carry without the workspace's list of known values having them.
    exact: bool = False


def is_drill(words: list[str]) -> bool:
    """Whether `/deal list` words ask for the deals behind a cell (`region=EMEA` ...)."""
    return any("=" in word for word in words)


def read_drill(words: list[str]) -> DrillAsk:
    """`/deal list region=EMEA stage=Decision closing=this [mine|team|all]`."""
    where: dict[str, str] = {}
    stages: list[str] = []
    period = scope = None
    for word in words:
        key, sign, value = word.partition("=")
        key = key.lower()
        if not sign and key in SCOPES:
            scope = key
        elif sign and key in DIMENSIONS and value:
            where[key] = value
        elif sign and key == "stage" and value:
            stages.extend(v for v in value.split(",") if v)
        elif sign and key in PERIOD_KEYS and value:
            period = value
        else:
            keys = ", ".join(f"`{k}=`" for k in (*DIMENSIONS, "stage", "closing"))
            raise CommandError(
                Problem(
                    f"`{word}` is not something I can list by; use {keys} or mine, team, all.",
                    example="/deal list region=EMEA stage=Decision closing=this",
                )
            )
    return DrillAsk(where, stages, period, scope)


def _value(s: Scope, dimension: str, typed: str, exact: bool = False) -> str | None:
    if typed == NONE_LABEL or (not exact and typed.lower() in NONE_WORDS):
        return None
    if exact:
        return typed
    known = workspaces.list_dimension_values(s.session, s.workspace.id, dimension)
    match = match_known_value(typed, known)
    if isinstance(match, list) or match.how == "new":
        _elsewhere(s, dimension, typed)
        listed = ", ".join(known) or "none yet"
        meant = did_you_mean(typed, [*known, *RELATIVE])
        guess = f" Did you mean `{meant}`?" if meant else ""
        raise CommandError(
            Problem(
                f"`{typed}` is neither a known {dimension} nor a period.{guess} "
                f"Known: {listed}; periods: `2026-Q4`, `this`, `next`, `last`, `Q1`",
                example=f"/apm {dimension} {meant or (known[0] if known else 'EMEA')}",
            )
        )
    return match.value


def _elsewhere(s: Scope, dimension: str, typed: str) -> None:
    """Refuses a value of another dimension (`/apm product EMEA`) by naming its own."""
    for other in DIMENSIONS:
        if other == dimension:
            continue
        known = workspaces.list_dimension_values(s.session, s.workspace.id, other)
        match = match_known_value(typed, known)
        if not isinstance(match, list) and match.how in ("exact", "case"):
            example = f"/apm {other} {match.value}"
            raise CommandError(
                Problem(f"`{typed}` is a {other} value, not a {dimension}: `{example}`", example)
            )


def _stages(s: Scope, typed: list[str]) -> list[str] | None:
    if not typed:
        return None
    names = [stage.name for stage in workspaces.list_stages(s.session, s.workspace.id)]
    found: list[str] = []
    for text in typed:
        matches = match_by_prefix(text, names)
        if not matches:
            raise CommandError(
                Problem(
                    f"`{text}` is not a stage. Stages: {', '.join(names)}",
                    example=f"/deal list stage={names[0] if names else 'Decision'}",
                )
            )
        found.extend(m for m in matches if m not in found)
    return found


def _owners(s: Scope, scope: str | None) -> tuple[list[int] | None, str]:
    """Whose deals the asker sees: an admin everyone's, a manager their team's, a rep
    their own (narrowed by `mine` or `team`)."""
    person = s.person
    if scope == "all" and person.role != "admin":
        raise CommandError(Refused("Only admins can list every deal.", who_can="an admin"))
    if scope == "team" and not is_manager(person):
        raise CommandError(Problem("Only managers have a team list; yours is `mine`."))
    if scope == "mine" or not is_manager(person):
        return [person.id], "yours"
    if person.role == "admin" and scope != "team":
        return None, "everyone's"
    team = people.team_ids(s.session, s.workspace.id, person.id) | {person.id}
    return sorted(team), "your team's"


def drill(s: Scope, ask: DrillAsk) -> DealDrill:
    where = {dim: _value(s, dim, typed, ask.exact) for dim, typed in ask.where.items()}
    stages = _stages(s, ask.stages)
    try:
        period = parse_period(ask.period, s.today, s.workspace.fiscal_year_start_month)
    except ParseError as error:
        example = "/deal list region=EMEA closing=this"
        raise CommandError(Problem(str(error), example=example)) from None
    owner_ids, seen_as = _owners(s, ask.scope)
    then = s.now - WEEK
    moves = deal_moves(
        s.session,
        s.workspace.id,
        then,
        s.now,
        period.start,
        period.end,
        where,
        owner_ids,
        stages,
    )
    pages = max(1, -(-len(moves) // PAGE_SIZE))
    page = min(max(ask.page, 0), pages - 1)
    lines = []
    for found in moves[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        deal = store_deals.get_deal(s.session, s.workspace.id, found.deal_id)
        if deal is not None:
            lines.append(DrillLine(s.view(deal), found.move))
    parts = [f"{dim} {value if value is not None else NONE_LABEL}" for dim, value in where.items()]
    if stages:
        parts.append("stage " + " or ".join(stages))
    query: dict[str, object] = {
        "where": {dim: value if value is not None else NONE_LABEL for dim, value in where.items()},
        "stages": stages or [],
        "period": period.label,
        "scope": ask.scope,
    }
    return DealDrill(
        title=" · ".join(parts) or "All deals",
        period=period.label,
        lines=lines,
        page=page,
        pages=pages,
        total=len(moves),
        since=local_today(s.workspace, then),
        seen_as=seen_as,
        query=query,
    )


def run_drill(env: Env, actor: Actor, ask: DrillAsk) -> DealDrill | Stop | Duplicate:
    return run_unit(env, actor, lambda unit: drill(Scope(unit), ask))


def press(env: Env, actor: Actor, pressed: Pressed) -> DealResult:
    """A digest's Deals button, or a drill-down's next or previous page."""
    try:
        data = json.loads(pressed.value)
        ask = DrillAsk(
            where={str(k): str(v) for k, v in dict(data.get("where") or {}).items()},
            stages=[str(v) for v in data.get("stages") or []],
            period=str(data["period"]) if data.get("period") else None,
            scope=str(data["scope"]) if data.get("scope") else None,
            page=int(data.get("page") or 0),
            exact=True,
        )
        if any(dim not in DIMENSIONS for dim in ask.where):
            raise ValueError("not a dimension")
    except (ValueError, KeyError, TypeError, AttributeError):
        return Problem("That button no longer works; type the command again.")
    return run_drill(env, actor, ask)
