"""The /apm and /coverage families: the accountability performance matrix on demand."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.dimensions import APM_DIMENSIONS
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
from commands.parsing import ParseError, did_you_mean, match_known_value
from commands.periods import (
    RELATIVE,
    as_of_day,
    looks_like_period,
    parse_as_of,
    parse_period,
    place,
    year_earlier,
)
from commands.results import CommandError, Duplicate, Help, Problem, Stop, read_words
from commands.unit import Unit, run_unit
from commands.workspace import DIMENSIONS, ensure_workspace

if TYPE_CHECKING:
    from commands.deals.results import DealDrill
from store import forecasts as store_forecasts
from store import people, workspaces
from store import targets as store_targets
from store.metrics import Decided, Sums, decided_by_dimensions, sums_by_dimensions
from store.models import Workspace
from store.parallel import read_together

DEFAULT_DIMENSION = "product"


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

    `/apm region EMEA [period]`: the deals behind that row, with how each moved this
    week (also `/deal list region=EMEA stage=Decision closing=this`).

    `/coverage` shows one row's coverage with its parts (`/coverage help`).
    """
    return inspect.cleandoc(apm_help.__doc__ or "")


def coverage_help() -> str:
    """*Pipe coverage, with its parts.*

    `/coverage [dimension value] [period]`: open pipeline closing in the period over what
    remains of its closed target (the target less what is already won), and the coverage
    its win rate needs. `/coverage` is the total; `/coverage region EMEA`, `/coverage
    product "Data Cloud" next`, `/coverage region=EMEA 2026-Q4`.
    Periods: a label like `2026-Q4`, `this` (the default), `next`, `last`, or `Q1`-`Q4`.
    `/apm region EMEA` lists the deals behind it.
    """
    return inspect.cleandoc(coverage_help.__doc__ or "")


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


Found = dict[tuple[str, str], dict[tuple[str, str], Decimal]]


@dataclass(frozen=True)
class _Settings:
    """What the APM's cells are measured against, read once for every dimension: targets
    by `(period, dimension)`, and managers' calls now and a year earlier."""

    targets: Found
    calls: dict[str, Call]
    prior_calls: dict[str, Call]


def _targets(found: Found, period: Period, dimension: str) -> tuple[dict[str, Targets], Targets]:
    """Targets by value, and the total's own: a total without a target of its own has none,
    so every dimension's table shows the same total."""
    found_here = found[(period.label, dimension)]
    by_value: dict[str, Targets] = {}
    for (value, metric), amount in found_here.items():
        current = by_value.get(value, Targets())
        by_value[value] = Targets(
            closed=amount if metric == "closed" else current.closed,
            pipegen=amount if metric == "pipegen" else current.pipegen,
        )
    explicit = found[(period.label, "total")]
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
    """The APM for each dimension, from one pass over the versions as of the moment, one a
    year earlier and one over the year of decided deals before the period (a win rate's
    evidence), read side by side (`store.parallel`)."""
    workspace, period, at, zone = moment.workspace, moment.period, moment.at, moment.zone
    prior_period = shift_quarters(period, -4, workspace.fiscal_year_start_month)
    prior_at = year_earlier(at)
    now_sums, decided, prior_sums = read_together(
        session,
        [
            lambda s: sums_by_dimensions(
                s, workspace.id, dimensions, at, place(period, at, zone).window
            ),
            lambda s: decided_by_dimensions(
                s, workspace.id, dimensions, at, prior_period.start, period.start
            ),
            lambda s: sums_by_dimensions(
                s, workspace.id, dimensions, prior_at, place(prior_period, prior_at, zone).window
            ),
        ],
    )
    measured = _Settings(
        store_targets.targets_for_periods(
            session, workspace.id, [period.label, prior_period.label], [*dimensions, "total"]
        ),
        _calls(session, workspace.id, period, dimensions, at),
        _calls(session, workspace.id, prior_period, dimensions, prior_at),
    )
    return [
        _matrix(
            moment,
            d,
            (now_sums[d], prior_sums[d], decided[d]),
            measured,
            thresholds or Thresholds(),
        )
        for d in dimensions
    ]


def build_matrix(
    session: Session, moment: Moment, dimension: str, thresholds: Thresholds | None = None
) -> Apm:
    return build_matrices(session, moment, [dimension], thresholds)[0]


def _matrix(
    moment: Moment,
    dimension: str,
    sums: tuple[dict[str | None, Sums], dict[str | None, Sums], dict[str | None, Decided]],
    measured: _Settings,
    thresholds: Thresholds,
) -> Apm:
    now_sums, prior_sums, decided = sums
    workspace, period, at = moment.workspace, moment.period, moment.at
    prior_period = shift_quarters(period, -4, workspace.fiscal_year_start_month)
    targets, total_targets = _targets(measured.targets, period, dimension)
    prior_targets, prior_total_targets = _targets(measured.targets, prior_period, dimension)
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
    calls, prior_calls = measured.calls, measured.prior_calls
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
    session: Session, workspace_id: str, period: Period, dimensions: Sequence[str], at: datetime
) -> dict[str, Call]:
    """Managers' calls in force at `at`, by `dimension:value` (the total's is `total:`)."""
    found = store_forecasts.overrides_for_dimensions(
        session, workspace_id, period.label, dimensions, at
    )
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


def _value_hint(env: Env, actor: Actor, word: str, command: str) -> Problem | None:
    """When `word` is a known value of a dimension (typed where a period goes): the
    command that means it."""

    def work(unit: Unit) -> tuple[str, str] | None:
        workspace = ensure_workspace(unit.session, actor, env.now())
        for dimension in DIMENSIONS:
            known = workspaces.list_dimension_values(unit.session, workspace.id, dimension)
            match = match_known_value(word, known)
            if not isinstance(match, list) and match.how in ("exact", "case"):
                return dimension, match.value
        return None

    found = run_unit(env, actor, work)
    if not isinstance(found, tuple):
        return None
    example = f"{command} {found[0]} {found[1]}"
    return Problem(f"`{word}` is a {found[0]} value: `{example}`", example=example)


def _misread(
    env: Env, actor: Actor, word: str, command: str, after_dimension: bool
) -> Problem | None:
    """What a word that is neither a dimension nor a period was probably meant as: a value
    of a dimension (`EMEA`), or a misspelt dimension or period word (`regoin`)."""
    hint = _value_hint(env, actor, word, command)
    if hint is not None:
        return hint
    words = [*RELATIVE] if after_dimension else [*DIMENSIONS, *RELATIVE]
    meant = did_you_mean(word, words)
    if meant is not None:
        return Problem(
            f"`{word}` is not a dimension or a period: did you mean `{meant}`?",
            example=f"{command} {meant}",
        )
    return None


def run_apm(env: Env, actor: Actor, text: str) -> Apm | DealDrill | Help | Stop | Duplicate:
    """Carry out `/apm [dimension] [period]`, or `/apm dimension VALUE [period]`: the deals
    behind that row."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    if words and words[0].lower() == "help":
        return Help("/apm", apm_help())
    chosen = _apm_dimension(words)
    explicit = chosen is not None
    dimension = chosen or DEFAULT_DIMENSION
    if explicit and words and not looks_like_period(words[0]):
        if len(words) > 2:
            return Problem(
                f"`{' '.join(words[1:])}` is more than a period.",
                example=f"/apm {dimension} {words[0]} this",
            )
        # The deals behind a row: loaded only here, so `council apm` starts without them.
        from commands.deals.drill import DrillAsk, run_drill

        ask = DrillAsk({dimension: words[0]}, period=words[1] if len(words) > 1 else None)
        return run_drill(env, actor, ask)
    if words and not looks_like_period(words[0]):
        hint = _misread(env, actor, words[0], "/apm", explicit)
        if hint is not None:
            return hint
    if len(words) > 1:
        return Problem(f"`{' '.join(words)}` is more than a period.", example="/apm region 2026-Q4")
    return build_apm(env, actor, dimension, words[0] if words else None)


def run_coverage(env: Env, actor: Actor, text: str) -> Coverage | Help | Stop | Duplicate:
    """Carry out `/coverage [dimension value] [period]`."""
    words = read_words(text)
    if isinstance(words, Problem):
        return words
    if words and words[0].lower() == "help":
        return Help("/coverage", coverage_help())
    if words and "=" in words[0]:
        key, _, typed = words.pop(0).partition("=")
        words[:0] = [key, typed]
    dimension: str | None
    value: str | None
    if words and words[0].lower() not in DIMENSIONS and not looks_like_period(words[0]):
        hint = _misread(env, actor, words[0], "/coverage", False)
        if hint is not None:
            return hint
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
