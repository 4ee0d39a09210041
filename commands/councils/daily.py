"""A council's optional daily post (after `003_*`'s Daily Pipe Gen dashboard): yesterday's
pipeline generation by the council's dimensions, the quarter so far against the pace its
target needs, and the deals behind yesterday's figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from commands.councils.meeting import parse_time, thresholds_of
from commands.fiscal import Period, quarter_containing
from commands.metrics import NONE_LABEL, pacing_color
from commands.parsing import ParseError
from commands.periods import place
from commands.results import CommandError, Notice, Problem
from store import targets as store_targets
from store import workspaces
from store.deals import valid_at
from store.metrics import Window, sums_as_of, sums_by_dimensions
from store.models import Council, CouncilDaily, DealVersion, Person

DAILY_KINDS = ("pipegen",)
DEALS_SHOWN = 15
DAILY_EXAMPLE = "/council edit pipeline daily=pipegen daily_at=08:00"


def set_daily(session: Session, council: Council, fields: dict[str, str], now: datetime) -> Notice:
    """`daily=pipegen` (or `off`) and `daily_at=HH:MM`, from `/council edit`."""
    row = session.get(CouncilDaily, council.id)
    kind = fields.get("daily", "").strip().lower()
    try:
        at_time = parse_time(fields["daily_at"]) if "daily_at" in fields else None
    except ParseError as error:
        raise CommandError(Problem(str(error), example=DAILY_EXAMPLE)) from None
    if kind in ("off", "none"):
        if row is not None:
            session.delete(row)
        return Notice(f"Council {council.name} has no daily post now.")
    if kind and kind not in DAILY_KINDS:
        raise CommandError(
            Problem(f"daily is `pipegen` or `off`, not `{kind}`", example=DAILY_EXAMPLE)
        )
    if row is None:
        if not kind:
            raise CommandError(Problem("Turn the daily post on first.", example=DAILY_EXAMPLE))
        row = CouncilDaily(
            council_id=council.id, workspace_id=council.workspace_id, kind=kind, at_time="08:00"
        )
        session.add(row)
    if at_time is not None:
        row.at_time = at_time
    council.updated_at = now
    return Notice(
        f"Council {council.name} gets yesterday's pipeline generation every day at "
        f"{row.at_time} {council.timezone}."
    )


@dataclass(frozen=True)
class DealLine:
    name: str
    owner: str
    amount: Decimal
    values: dict[str, str]


@dataclass(frozen=True)
class DailyPipegen:
    """Yesterday's pipeline generation, and the quarter's pace against its target."""

    council: str
    channel: str
    day: date
    period: Period
    as_of: datetime
    currency: str
    yesterday: Decimal
    by_dimension: dict[str, dict[str, Decimal]]
    quarter_to_date: Decimal
    target: Decimal | None
    pace: Decimal | None  # what the target needs by now: target x the elapsed share
    color: str | None
    deals: list[DealLine]
    more: int


def due_day(council: Council, daily: CouncilDaily, now: datetime) -> date | None:
    """The local day whose post is due now: from its time until the end of that day."""
    local = now.astimezone(ZoneInfo(council.timezone))
    hour, minute = (int(part) for part in daily.at_time.split(":"))
    return local.date() if local.time() >= time(hour, minute) else None


def build_daily(session: Session, council: Council, at: datetime) -> DailyPipegen:
    """The daily post as of `at`: 'yesterday' is the council's local yesterday."""
    workspace = workspaces.get_workspace(session, council.workspace_id)
    assert workspace is not None
    zone = ZoneInfo(council.timezone)
    today = at.astimezone(zone).date()
    day = today - timedelta(days=1)
    period = quarter_containing(day, workspace.fiscal_year_start_month)
    dimensions = list(council.dimensions)
    yesterday = Window(day, today, today)
    sums = sums_by_dimensions(session, workspace.id, dimensions, at, yesterday)
    by_dimension = {
        d: {
            (k or NONE_LABEL): s.pipegen
            for k, s in sorted(sums[d].items(), key=_by_key)
            if s.pipegen
        }
        for d in dimensions
    }
    total_day = sum(
        (s.pipegen for s in sums_as_of(session, workspace.id, None, at, yesterday).values()),
        Decimal("0.00"),
    )
    placed = place(period, at, zone)
    qtd = sum(
        (s.pipegen for s in sums_as_of(session, workspace.id, None, at, placed.window).values()),
        Decimal("0.00"),
    )
    target = store_targets.targets_for(session, workspace.id, period.label, "total").get(
        ("", "pipegen")
    )
    elapsed = Decimal(str(round(placed.elapsed, 6)))
    pace = None if target is None else (target * elapsed).quantize(Decimal("0.01"), ROUND_HALF_UP)
    color = pacing_color(qtd, target, elapsed, thresholds_of(council))
    deals, more = _deals(session, workspace.id, dimensions, at, day)
    return DailyPipegen(
        council.name,
        council.channel_id,
        day,
        period,
        at,
        workspace.currency_symbol,
        total_day,
        by_dimension,
        qtd,
        target,
        pace,
        color,
        deals,
        more,
    )


def _by_key(item: tuple[object, object]) -> str:
    return str(item[0] or NONE_LABEL)


def _deals(
    session: Session, workspace_id: str, dimensions: list[str], at: datetime, day: date
) -> tuple[list[DealLine], int]:
    v = DealVersion
    query = (
        select(v, Person.display_name)
        .join(Person, Person.id == v.owner_id)
        .where(v.workspace_id == workspace_id, valid_at(at), v.created_date == day)
        .order_by(v.amount.desc().nulls_last(), v.name)
    )
    found = session.execute(query).all()
    lines = [
        DealLine(
            version.name,
            owner,
            version.amount or Decimal("0.00"),
            {d: getattr(version, d) or NONE_LABEL for d in dimensions},
        )
        for version, owner in found[:DEALS_SHOWN]
    ]
    return lines, max(0, len(found) - DEALS_SHOWN)
