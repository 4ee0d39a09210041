"""Reviewing the SLA: its figures for a period, as of a moment, for `/sla` and `council sla`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.context import Actor, Env
from commands.parsing import ParseError
from commands.periods import as_of_day, parse_as_of, parse_period
from commands.results import CommandError, Duplicate, Problem, Stop
from commands.sla.figures import SLA_DIMENSIONS, SlaReport, sla_report
from commands.sla.settings import sla_of
from commands.unit import Unit, run_unit
from commands.workspace import ensure_workspace

SLA_EXAMPLE = "/sla 2026-Q4 by source"


def build_sla(
    env: Env,
    actor: Actor,
    period: str | None = None,
    as_of: str | None = None,
    by: str | None = None,
) -> SlaReport | Stop | Duplicate:
    """The hand-off SLA's figures (SPEC section 9) for the CLI, the console and Slack."""
    if by is not None and by not in SLA_DIMENSIONS:
        return Problem(
            f"`{by}` is not a dimension of the SLA; choose {' or '.join(SLA_DIMENSIONS)}",
            example=SLA_EXAMPLE,
        )

    def work(unit: Unit) -> SlaReport:
        workspace = ensure_workspace(unit.session, actor, env.now())
        zone = ZoneInfo(workspace.timezone)
        try:
            at = parse_as_of(as_of, env.now(), zone)
            found = parse_period(period, as_of_day(at, zone), workspace.fiscal_year_start_month)
        except ParseError as error:
            raise CommandError(Problem(str(error), example=SLA_EXAMPLE)) from None
        return sla_report(
            unit.session,
            workspace.id,
            zone,
            workspace.currency_symbol,
            found,
            at,
            sla_of(unit.session, workspace.id),
            by,
        )

    return run_unit(env, actor, work)
