"""Targets: one at a time from /council target, or a whole file from the CLI."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.parsing import ParseError, match_by_prefix, parse_amount
from commands.periods import label_example, parse_period
from commands.unit import run_job
from commands.workspace import DIMENSIONS, ensure_workspace, local_today
from store import targets as store_targets
from store.models import Workspace

METRICS = ("closed", "pipegen")
TARGET_COLUMNS = ("period", "dimension", "value", "metric", "amount")


@dataclass(frozen=True)
class TargetSpec:
    period: str
    dimension: str
    value: str
    metric: str
    amount: Decimal


def read_target(
    workspace: Workspace,
    today: date,
    period: str,
    dimension: str,
    value: str,
    metric: str,
    amount: str,
) -> TargetSpec:
    """A target from its parts as typed; raises ParseError saying what is wrong."""
    found = parse_period(period, today, workspace.fiscal_year_start_month)
    dim = dimension.strip().lower()
    if dim not in (*DIMENSIONS, "total"):
        raise ParseError(f"`{dimension}` is not a dimension: {', '.join(DIMENSIONS)} or total")
    value = value.strip()
    if dim == "total":
        value = ""
    elif not value:
        raise ParseError(f"a {dim} target needs the {dim}'s value")
    metrics = match_by_prefix(metric, METRICS)
    if len(metrics) != 1:
        raise ParseError(f"`{metric}` is not a target metric: closed or pipegen")
    return TargetSpec(found.label, dim, value, metrics[0], parse_amount(amount))


def save_target(
    session: Session, workspace: Workspace, spec: TargetSpec, now: datetime
) -> Decimal | None:
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


def import_targets(env: Env, actor: Actor, path: Path) -> TargetImport:
    """Load `period,dimension,value,metric,amount` rows; bad rows are listed, good ones saved.
    Periods such as `this` are read in the workspace's own time zone."""

    def work(session: Session, now: datetime) -> TargetImport:
        workspace = ensure_workspace(session, actor, now)
        return _load_targets(session, workspace, path, local_today(workspace, now), now)

    return run_job(env, work)


def _load_targets(
    session: Session, workspace: Workspace, path: Path, today: date, now: datetime
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
                spec = read_target(workspace, today, *parts)
            except ParseError as error:
                report.bad.append(f"line {line}: {error}")
                continue
            save_target(session, workspace, spec, now)
            report.saved += 1
    return report


TARGET_EXAMPLE = f"/council target {label_example(1)} product Platform closed 1.2M"
