"""Figures the Salesforce scenario tests check by hand: a quarter's open pipeline by
region as of a moment, as `/apm region` gives it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from commands import apm
from commands.apm import Apm
from commands.context import Actor, Env


def open_by_region(
    env: Env, workspace: str, at: datetime, period: str = "2026-Q4"
) -> dict[str, Decimal]:
    """The period's open pipeline by region as of `at`: the regions with any."""
    actor = Actor(workspace, "U0MAYA001", "maya", "cli", "testteam")
    result = apm.build_apm(env, actor, "region", period, at.isoformat())
    assert isinstance(result, Apm), result
    found = {row.value: row.open.value for row in result.rows}
    return {k: v for k, v in found.items() if isinstance(v, Decimal) and v}
