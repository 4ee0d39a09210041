"""Targets: one at a time from /council target, or a whole file from the CLI."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.formatting import money
from commands.parsing import ParseError, match_by_prefix, match_known_value, parse_amount
from commands.periods import label_example, parse_period
from commands.unit import run_job
from commands.workspace import DIMENSIONS, ensure_workspace, local_today
from store import targets as store_targets
from store import workspaces
from store.models import Workspace

METRICS = ("closed", "pipegen", "mqls")
# The hand-off SLA's MQL target is a count of leads, set for the total, a source or a
# segment (SPEC section 8).
COUNT_METRICS = ("mqls",)
MQL_DIMENSIONS = ("total", "source", "segment")
TARGET_COLUMNS = ("period", "dimension", "value", "metric", "amount")


@dataclass(frozen=True)
class TargetSpec:
    period: str
    dimension: str
    value: str
    metric: str
    amount: Decimal
    note: str = ""  # how a value typed another way was read
    new_value: bool = False  # a value no deal or list had yet, added on purpose


def read_target(
    session: Session,
    workspace: Workspace,
    today: date,
    parts: Sequence[str],
    *,
    allow_new: bool = False,
) -> TargetSpec:
    """A target from its parts as typed (period, dimension, value, metric, amount); the value
    is one of the dimension's known values (`amer` is `AMER`, as in /deal), or new only when
    `allow_new`. Raises ParseError saying what is wrong."""
    period, dimension, value, metric, amount = parts
    found = parse_period(period, today, workspace.fiscal_year_start_month)
    dim = dimension.strip().lower()
    if dim not in (*DIMENSIONS, "total"):
        raise ParseError(f"`{dimension}` is not a dimension: {', '.join(DIMENSIONS)} or total")
    metrics = match_by_prefix(metric, METRICS)
    if len(metrics) != 1:
        raise ParseError(f"`{metric}` is not a target metric: closed, pipegen or mqls")
    if metrics[0] in COUNT_METRICS and dim not in MQL_DIMENSIONS:
        raise ParseError(f"an mqls target is for the total, a source or a segment, not a {dim}")
    value = value.strip()
    note, new = "", False
    if dim == "total":
        value = ""
    elif not value:
        raise ParseError(f"a {dim} target needs the {dim}'s value")
    else:
        value, note, new = _known_value(session, workspace, dim, value, allow_new)
    return TargetSpec(found.label, dim, value, metrics[0], _amount(metrics[0], amount), note, new)


def _amount(metric: str, typed: str) -> Decimal:
    """Money for closed and pipegen; a whole count of leads for mqls."""
    amount = parse_amount(typed)
    if metric in COUNT_METRICS and amount != amount.to_integral_value():
        raise ParseError(f"an mqls target is a number of leads, not `{typed}`")
    return amount


def shown_amount(metric: str, amount: Decimal, symbol: str) -> str:
    """How a target reads: money, or a count of MQLs."""
    if metric in COUNT_METRICS:
        return f"{int(amount):,} MQLs"
    return money(amount, symbol)


def _known_value(
    session: Session, workspace: Workspace, dimension: str, typed: str, allow_new: bool
) -> tuple[str, str, bool]:
    """(the value meant, a note when it was typed another way, whether it is new)."""
    known = workspaces.list_dimension_values(session, workspace.id, dimension)
    match = match_known_value(typed, known)
    if isinstance(match, list):
        raise ParseError(f"`{typed}` could be {' or '.join(match)}; type one exactly")
    if match.how in ("case", "typo"):
        return match.value, f"Took {dimension} `{typed}` as `{match.value}`.", False
    if match.how == "new" and not allow_new:
        closest = get_close_matches(typed, known, n=3, cutoff=0.5) or known[:5]
        listed = f" Closest known: {', '.join(closest)}." if closest else ""
        raise ParseError(
            f"`{typed}` is not a known {dimension}.{listed} A target for a {dimension} no deal "
            "has yet needs `new` at the end (a file: `--new-values`)."
        )
    return match.value, "", match.how == "new"


def save_target(
    session: Session, workspace: Workspace, spec: TargetSpec, now: datetime
) -> Decimal | None:
    """Save the target (and a new value it names); the amount it replaced, if any."""
    if spec.new_value:
        workspaces.add_dimension_value(session, workspace.id, spec.dimension, spec.value)
    return store_targets.set_target(
        session,
        workspace.id,
        period=spec.period,
        dimension=spec.dimension,
        value=spec.value,
        metric=spec.metric,
        amount=spec.amount,
        now=now,
    )


@dataclass
class TargetImport:
    saved: int = 0
    bad: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_targets(env: Env, actor: Actor, path: Path, *, allow_new: bool = False) -> TargetImport:
    """Load `period,dimension,value,metric,amount` rows; bad rows are listed, good ones saved.
    Periods such as `this` are read in the workspace's own time zone."""

    def work(session: Session, now: datetime) -> TargetImport:
        workspace = ensure_workspace(session, actor, now)
        today = local_today(workspace, now)
        return _load_targets(session, workspace, path, today, now, allow_new)

    return run_job(env, work)


def _load_targets(
    session: Session,
    workspace: Workspace,
    path: Path,
    today: date,
    now: datetime,
    allow_new: bool,
) -> TargetImport:
    report = TargetImport()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in TARGET_COLUMNS if c not in headers]
        if missing:
            report.bad.append(f"line 1: missing column(s) {', '.join(missing)}")
            return report
        reader.fieldnames = headers
        for line, row in enumerate(reader, start=2):
            try:
                parts = [row.get(c) or "" for c in TARGET_COLUMNS]
                spec = read_target(session, workspace, today, parts, allow_new=allow_new)
            except ParseError as error:
                report.bad.append(f"line {line}: {error}")
                continue
            save_target(session, workspace, spec, now)
            session.flush()  # a new value this row added is known to the next
            report.saved += 1
            if spec.note:
                report.notes.append(f"line {line}: {spec.note}")
    return report


TARGET_EXAMPLE = f"/council target {label_example(1)} product Platform closed 1.2M"
