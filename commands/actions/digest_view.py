"""The council's actions as its weekly digest shows them, with the closed-loop line."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.actions.results import ActionView
from commands.actions.views import view_of
from store import actions as store_actions
from store.models import Council

LOOP_WEEKS = 4


def digest_actions(
    session: Session,
    council: Council,
    now: datetime,
    current: dict[tuple[str, str, str], str | None],
) -> tuple[list[ActionView], str]:
    """The council's actions for its digest, and the closed-loop line: of the red cells
    that got actions four or more weeks ago, how many are green or yellow now."""
    today = now.astimezone(ZoneInfo(council.timezone)).date()
    # A day more than a week, so last week's digest's actions are all in this one.
    recent = store_actions.actions_of_council(session, council.id, now - timedelta(days=8))
    views = [view_of(session, a, today) for a in recent]
    old = [
        a
        for a in store_actions.all_actions(session, council.id)
        if a.color_at == "red" and a.created_at <= now - timedelta(weeks=LOOP_WEEKS)
    ]
    cells = {(a.dimension, a.value, a.column) for a in old}
    better = sum(1 for cell in cells if current.get(cell) in ("green", "yellow"))
    line = (
        f"Of {len(cells)} red cells with actions {LOOP_WEEKS}+ weeks ago, {better} are now "
        "green or yellow."
        if cells
        else ""
    )
    return views, line
