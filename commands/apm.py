"""The /apm and /coverage families: the accountability performance matrix on demand."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.fiscal import Period, shift_quarters
from commands.metrics import (
    NONE_LABEL,
    Call,
    Row,
    Targets,
    Thresholds,
    build_row,
    needed_coverage,
    with_calls,
)
from commands.parsing import ParseError, match_known_value
from commands.periods import as_of_day, parse_as_of, parse_period, place, year_earlier
from commands.results import CommandError, Duplicate, Help, Problem, Stop, read_words
from commands.unit import Unit, run_unit
from commands.workspace import DIMENSIONS, ensure_workspace
from store import forecasts as store_forecasts
from store import people, workspaces
from store import targets as store_targets
from store.metrics import Decided, Sums, decided_by_dimensions, sums_by_dimensions
from store.models import Workspace

DEFAULT_DIMENSION = "product"
# The APM can also be read by a deal's campaign and campaign type (not a council's
# dimensions, nor a deal's fields: a deal's campaign is set by its CampaignId).
APM_DIMENSIONS = (*DIMENSIONS, "campaign", "campaign_type")


def _apm_dimension(words: list[str]) -> str | None:
    """The dimension the words begin with, taking it off them: `campaign type` is
    `campaign_type`."""
    if not words:
        return None
    first = words[0].lower().replace("-", "_")
    if first == "campaign" and len(words) > 1 and words[1].lower() == "type":
        del words[:2]
        return "campaign_type"
    if first in APM_DIMENSIONS:
        del words[0]
        return first
    return None


def apm_help() -> str:
    """*The accountability performance matrix.*

    `/apm [product|region|segment|source|campaign|campaign type] [period]`: one row per
    value, with forecast, closed ACV, open pipeline, pipeline generation and coverage,
    each with its change from the same point of the quarter a year ago, and 🟢🟡🔴 by
    pacing against target.
    Periods: a label like `2026-Q4`, `this` (the default), `next`, `last`, or `Q1`-`Q4`.

    `/coverage [dimension value] [period]`: open pipeline over what remains of the closed
    target, with its parts. `/coverage`, `/coverage region EMEA`, `/coverage product
    "Data Cloud" next`.
    """
    return inspect.cleandoc(apm_help.__doc__ or "")


@dataclass(frozen=True)
class Apm:
    period: Period
    as_of: datetime
    dimension: str
    rows: list[Row]
    total: Row
    elapsed: float
    currency: str
    # Target metrics the total has none of while every row has one: the rows' sum.
    unset_totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Coverage:
    """A coverage ratio with its parts, for the total or one dimension value."""

    scope: str
    period: Period
    as_of: datetime
    open: Decimal
    closed: Decimal
    target: Decimal | None
    remaining: Decimal | None
    row: Row
    currency: str


@dataclass(frozen=True)
class Moment:
    """What an APM is computed for: the workspace, its zone, the period and the moment."""

    workspace: Workspace
    zone: ZoneInfo
    period: Period
    at: datetime


def _moment(
    session: Session, env: Env, actor: Actor, period_text: str | None, as_of_text: str | None
) -> Moment:
    workspace = ensure_workspace(session, actor, env.now())
    zone = ZoneInfo(workspace.timezone)
    try:
        at = parse_as_of(as_of_text, env.now(), zone)
        # `this` means the quarter of the as-of day.
        period = parse_period(period_text, as_of_day(at, zone), workspace.fiscal_year_start_month)
    except ParseError as error:
        raise CommandError(Problem(str(error), example="/apm region 2026-Q4")) from None
    return Moment(workspace, zone, period, at)


def _targets(
    session: Session, workspace: Workspace, period: Period, dimension: str
) -> tuple[dict[str, Targets], Targets]:
    """Targets by value, and the total's own: a total without a target of its own has none,
    so every dimension's table shows the same total."""
    found = store_targets.targets_for(session, workspace.id, period.label, dimension)
    by_value: dict[str, Targets] = {}
    for (value, metric), amount in found.items():
        current = by_value.get(value, Targets())
        by_value[value] = Targets(
            closed=amount if metric == "closed" else current.closed,
            pipegen=amount if metric == "pipegen" else current.pipegen,
        )
    explicit = store_targets.targets_for(session, workspace.id, period.label, "total")
    return by_value, Targets(explicit.get(("", "closed")), explicit.get(("", "pipegen")))


def unset_totals(rows: Sequence[Row], total: Row) -> dict[str, Decimal]:
    """For each target metric the total lacks while every row has one: the rows' sum, which
    the APM's footnote offers as the total's target."""
    named = [row for row in rows if row.value != NONE_LABEL]
    sums = {}
    for metric in ("closed", "pipegen"):
        targets = [getattr(row, metric).target for row in named]
        if named and getattr(total, metric).target is None and None not in targets:
            sums[metric] = sum(targets, Decimal("0.00"))
    return sums


def build_matrices(
    session: Session,
    moment: Moment,
    dimensions: Sequence[str],
    thresholds: Thresholds | None = None,
) -> list[Apm]:
    """The APM for each dimension, from one pass over the versions as of the moment and
    one a year earlier."""
    workspace, period, at, zone = moment.workspace, moment.period, moment.at, moment.zone
    prior_period = shift_quarters(period, -4, workspace.fiscal_year_start_month)
    prior_at = year_earlier(at)
    now_sums = sums_by_dimensions(
        session, workspace.id, dimensions, at, place(period, at, zone).window
    )
    # A win rate's evidence: the four quarters before the period, as of the moment.
    evidence_start = shift_quarters(period, -4, workspace.fiscal_year_start_month).start
    decided = decided_by_dimensions(
        session, workspace.id, dimensions, at, evidence_start, period.start
    )
    prior_sums = sums_by_dimensions(
        session, workspace.id, dimensions, prior_at, place(prior_period, prior_at, zone).window
    )
    return [
        _matrix(
            session,
            moment,
            d,
            (now_sums[d], prior_sums[d], decided[d]),
            thresholds or Thresholds(),
        )
        for d in dimensions
    ]


def build_matrix(
    session: Session, moment: Moment, dimension: str, thresholds: Thresholds | None = None
) -> Apm:
    return build_matrices(session, moment, [dimension], thresholds)[0]


def _matrix(
    session: Session,
    moment: Moment,
    dimension: str,
    sums: tuple[dict[str | None, Sums], dict[str | None, Sums], dict[str | None, Decided]],
    thresholds: Thresholds,
) -> Apm:
    now_sums, prior_sums, decided = sums
    workspace, period, at = moment.workspace, moment.period, moment.at
    prior_period = shift_quarters(period, -4, workspace.fiscal_year_start_month)
    prior_at = year_earlier(at)
    targets, total_targets = _targets(session, workspace, period, dimension)
    prior_targets, prior_total_targets = _targets(session, workspace, prior_period, dimension)
    elapsed = place(period, at, moment.zone).elapsed
    share = Decimal(str(round(elapsed, 6)))
    values = sorted(
        {key or NONE_LABEL for key in (*now_sums, *prior_sums)} | set(targets),
    )
    rows = [
        build_row(
            value,
            now_sums.get(None if value == NONE_LABEL else value, Sums()),
            prior_sums.get(None if value == NONE_LABEL else value, Sums()),
            targets.get(value, Targets()),
            prior_targets.get(value, Targets()),
            share,
            thresholds,
            _needed(decided.get(None if value == NONE_LABEL else value, Decided())),
        )
        for value in values
    ]
    # The total comes from exact sums over every deal, never from rounded rows.
    total = build_row(
        "total",
        sum(now_sums.values(), Sums()),
        sum(prior_sums.values(), Sums()),
        total_targets,
        prior_total_targets,
        share,
        thresholds,
        _needed(sum(decided.values(), Decided())),
    )
    calls = _calls(session, workspace.id, period, dimension, at)
    prior_calls = _calls(session, workspace.id, prior_period, dimension, prior_at)
    rows = [
        with_calls(
            row,
            calls.get(f"{dimension}:{row.value}"),
            prior_calls.get(f"{dimension}:{row.value}"),
            thresholds,
        )
        for row in rows
    ]
    total = with_calls(total, calls.get("total:"), prior_calls.get("total:"), thresholds)
    return Apm(
        period,
        at,
        dimension,
        rows,
        total,
        elapsed,
        workspace.currency_symbol,
        unset_totals(rows, total),
    )


def _needed(decided: Decided) -> Decimal | None:
    return needed_coverage(decided.won, decided.lost)


def _calls(
    session: Session, workspace_id: str, period: Period, dimension: str, at: datetime
) -> dict[str, Call]:
    """Managers' calls in force at `at`, by `dimension:value` (the total's is `total:`)."""
    found = store_forecasts.overrides_as_of(session, workspace_id, period.label, dimension, at)
    calls = {}
    for key, call in found.items():
        person = people.get_person(session, workspace_id, call.called_by_id)
        assert call.amount is not None
        calls[key] = Call(call.amount, person.display_name if person else "someone", call.called_at)
    return calls


def build_apm(
    env: Env, actor: Actor, dimension: str, period: str | None = None, as_of: str | None = None
) -> Apm | Stop | Duplicate:
    """The APM for one dimension, for the CLI, the console and Slack."""
    if dimension not in APM_DIMENSIONS:
        return Problem(
            f"`{dimension}` is not a dimension; choose {', '.join(APM_DIMENSIONS)}",
            example="/apm region",
        )

    def work(unit: Unit) -> Apm:
        moment = _moment(unit.session, env, actor, period, as_of)
        return build_matrix(unit.session, moment, dimension)

    return run_unit(env, actor, work)


def build_coverage(
    env: Env,
    actor: Actor,
    dimension: str | None = None,
    value: str | None = None,
    period: str | None = None,
    as_of: str | None = None,
) -> Coverage | Stop | Duplicate:
    """Coverage for the total, or for one value of a dimension, with its parts."""

    def work(unit: Unit) -> Coverage:
        moment = _moment(unit.session, env, actor, period, as_of)
        matrix = build_matrix(unit.session, moment, dimension or DEFAULT_DIMENSION)
        if dimension is None:
            return _coverage("total", matrix, matrix.total)
        row = _pick_row(unit.session, moment.workspace, matrix, dimension, value or "")
        return _coverage(f"{dimension} {row.value}", matrix, row)

    return run_unit(env, actor, work)


def _coverage(scope: str, matrix: Apm, row: Row) -> Coverage:
    closed, target = row.closed.value, row.closed.target
    assert isinstance(closed, Decimal) and isinstance(row.open.value, Decimal)
    return Coverage(
        scope,
        matrix.period,
        matrix.as_of,
        row.open.value,
        closed,
        target,
        None if target is None else target - closed,
        row,
        matrix.currency,
    )


def _pick_row(
    session: Session, workspace: Workspace, matrix: Apm, dimension: str, value: str
) -> Row:
    if dimension not in DIMENSIONS:
        raise CommandError(
            Problem(
                f"`{dimension}` is not a dimension; choose {', '.join(DIMENSIONS)}",
                example="/coverage region EMEA",
            )
        )
    rows = {row.value: row for row in matrix.rows}
    known = sorted({*workspaces.list_dimension_values(session, workspace.id, dimension), *rows})
    match = match_known_value(value, known)
    if isinstance(match, list) or match.how == "new" or not value:
        listed = ", ".join(v for v in known if v != NONE_LABEL) or "none yet"
        raise CommandError(
            Problem(
                f"`{value}` is not a known {dimension}. Known: {listed}",
                example=f"/coverage {dimension} {next(iter(sorted(known)), 'EMEA')}",
            )
        )
    if match.value in rows:
        return rows[match.value]
    empty = build_row(match.value, Sums(), Sums(), Targets(), Targets(), Decimal(0), Thresholds())
    return empty


def run_apm(env: Env, actor: Actor, text: str) -> Apm | Help | Stop | Duplicate:
    """Carry out `/apm [dimension] [period]`."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    if words and words[0].lower() == "help":
        return Help("/apm", apm_help())
    dimension = _apm_dimension(words) or DEFAULT_DIMENSION
    if len(words) > 1:
        return Problem(f"`{' '.join(words)}` is more than a period.", example="/apm region 2026-Q4")
    return build_apm(env, actor, dimension, words[0] if words else None)


def run_coverage(env: Env, actor: Actor, text: str) -> Coverage | Help | Stop | Duplicate:
    """Carry out `/coverage [dimension value] [period]`."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    if words and words[0].lower() == "help":
        return Help("/coverage", apm_help())
    if words and "=" in words[0]:
        key, _, typed = words.pop(0).partition("=")
        words[:0] = [key, typed]
    dimension: str | None
    value: str | None
    if words and words[0].lower() in DIMENSIONS:
        if len(words) < 2:
            return Problem(f"Which {words[0]}?", example=f"/coverage {words[0].lower()} EMEA")
        dimension, value = words[0].lower(), words[1]
        rest = words[2:]
    else:
        dimension, value, rest = None, None, words
    if len(rest) > 1:
        return Problem(
            f"`{' '.join(rest)}` is more than a period.", example="/coverage region EMEA"
        )
    return build_coverage(env, actor, dimension, value, rest[0] if rest else None)
