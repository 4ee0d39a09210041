"""Every slash command and the use case that answers it, for every connector."""

from __future__ import annotations

from collections.abc import Callable

from commands import actions, apm, council, deal, forecast
from commands.context import Actor, Env

SLASH_COMMANDS: dict[str, Callable[[Env, Actor, str], object]] = {
    "/deal": deal.run,
    "/council": council.run,
    "/apm": apm.run_apm,
    "/coverage": apm.run_coverage,
    "/actions": actions.run,
    "/forecast": forecast.run,
}
