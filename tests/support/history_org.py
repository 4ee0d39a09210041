"""A generated Salesforce-style org with two years of history, written as the CSV exports
an admin would download (Opportunity and OpportunityHistory), for the independent check
of the APM (issue 14).

Deterministic: the same seed writes the same files. The data leans on the edges SPEC
section 3 defines: changes stamped exactly at local midnight, deals created late in the
evening in Los Angeles (their UTC date is the next day), close dates pushed across quarter
boundaries, blank amounts in history rows, exports whose LastModifiedDate is before, at or
after the last history row.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE_NAME = "America/Los_Angeles"
ZONE = ZoneInfo(ZONE_NAME)

DEAL_COLUMNS = [
    "Id",
    "Name",
    "Owner.Name",
    "StageName",
    "Amount",
    "CloseDate",
    "CreatedDate",
    "ForecastCategoryName",
    "LeadSource",
    "Product",
    "Region",
    "Segment",
    "LastModifiedDate",
]
HISTORY_COLUMNS = [
    "Id",
    "OpportunityId",
    "CreatedDate",
    "StageName",
    "Amount",
    "CloseDate",
    "ForecastCategory",
]
OPEN_PATH = ["Prospecting", "Qualification", "Consideration", "Decision"]
CATEGORY = {
    "Prospecting": "Pipeline",
    "Qualification": "Pipeline",
    "Consideration": "Best Case",
    "Decision": "Commit",
    "Closed Won": "Closed",
    "Closed Lost": "Omitted",
}
PRODUCTS = ["Analytics", "Platform", "Services", ""]
REGIONS = ["AMER", "EMEA", "APAC"]
SEGMENTS = ["Enterprise", "Mid-Market", "SMB"]
SOURCES = ["AE", "BDR", "SDR", "Marketing", "Partner", ""]
OWNERS = ["Ana Silva", "Jo Park", "Lee Kim", "Maya Chen"]


def local(year: int, month: int, day: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A wall-clock moment in Los Angeles, as an aware UTC datetime."""
    return datetime(year, month, day, hh, mm, ss, tzinfo=ZONE).astimezone(UTC)


# Moments the test reads the APM at, or their year-earlier twins: changes stamped exactly
# on them are what a day-boundary bug gets wrong.
SPECIAL_MOMENTS = [
    local(2024, 10, 1),
    local(2024, 11, 16),
    local(2025, 1, 1),
    local(2025, 4, 1),
    local(2025, 7, 1),
    local(2025, 10, 1),
    local(2025, 11, 15, 12),
    local(2025, 11, 15, 23, 59, 59),
    local(2025, 11, 16),
    local(2026, 1, 1),
]
FIRST_CREATED = local(2024, 1, 2)
LAST_CREATED = local(2025, 12, 20)


def stamp(moment: datetime) -> str:
    """Salesforce's API timestamp: UTC with milliseconds, `2025-01-01T02:35:07.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Step:
    at: datetime
    stage: str
    amount: str
    close: date
    category: str


@dataclass(frozen=True)
class OrgFiles:
    deals: Path
    history: Path
    deal_count: int
    history_count: int


def _money(rng: random.Random) -> str:
    whole = rng.choice([5_000, 12_000, 25_000, 40_000, 75_000, 120_000]) + rng.randrange(0, 9_999)
    cents = rng.choice([0, 0, 0, 50, rng.randrange(1, 100)])
    return f"{whole}.{cents:02d}"


def _created(rng: random.Random) -> datetime:
    span = (LAST_CREATED - FIRST_CREATED).total_seconds()
    moment = FIRST_CREATED + timedelta(seconds=rng.randrange(int(span)))
    roll = rng.random()
    day = moment.astimezone(ZONE).date()
    if roll < 0.25:
        # Late evening in Los Angeles: the UTC date is already the next day.
        clock = time(rng.randrange(17, 24), rng.randrange(60), rng.randrange(60))
        return datetime.combine(day, clock, ZONE).astimezone(UTC)
    if roll < 0.32:
        return datetime.combine(day, time(0), ZONE).astimezone(UTC)  # exactly local midnight
    if roll < 0.36:
        # Just before, on or just after a moment the APM is read at.
        offset = rng.choice([-3600, -1, 0, 1, 3600])
        return rng.choice(SPECIAL_MOMENTS[1:-1]) + timedelta(seconds=offset)
    return moment


def _next_moment(rng: random.Random, after: datetime) -> datetime:
    """A later moment: days later, sometimes at local midnight or on a special moment."""
    candidate = after + timedelta(days=rng.randrange(1, 45), seconds=rng.randrange(86_400))
    roll = rng.random()
    if roll < 0.2:
        day = candidate.astimezone(ZONE).date()
        midnight = datetime.combine(day, time(0), ZONE).astimezone(UTC)
        if midnight > after:
            return midnight
    elif roll < 0.45:
        near = [m for m in SPECIAL_MOMENTS if after < m <= candidate + timedelta(days=20)]
        if near:
            return rng.choice(near)
    return candidate


def _push(close: date, rng: random.Random) -> date:
    """Move a close date, often across a quarter boundary."""
    if rng.random() < 0.5:
        first_month = (close.month - 1) // 3 * 3 + 1
        quarter_end = (
            date(close.year + 1, 1, 1)
            if first_month == 10
            else date(close.year, first_month + 3, 1)
        )
        return quarter_end + timedelta(days=rng.randrange(0, 20))
    return close + timedelta(days=rng.choice([-20, 14, 30, 45, 90]))


def _deal_steps(rng: random.Random, created: datetime) -> list[Step]:
    created_day = created.astimezone(ZONE).date()
    close = created_day + timedelta(days=rng.randrange(20, 160))
    amount = "" if rng.random() < 0.3 else _money(rng)
    override = rng.random() < 0.1  # a rep's explicit category, not the stage's
    steps = [Step(created, "Prospecting", amount, close, CATEGORY["Prospecting"])]
    stage_index = 0
    at = created
    for _ in range(rng.randrange(1, 7)):
        at = _next_moment(rng, at)
        if at > local(2026, 2, 15):
            break
        roll = rng.random()
        stage = steps[-1].stage
        if roll < 0.45 and stage_index < len(OPEN_PATH) - 1:
            stage_index += 1
            stage = OPEN_PATH[stage_index]
        elif roll < 0.6:
            close = _push(close, rng)
        elif roll < 0.75:
            amount = "" if rng.random() < 0.15 else _money(rng)
        elif roll < 0.9:
            stage = "Closed Won" if rng.random() < 0.55 else "Closed Lost"
            if rng.random() < 0.7:
                close = at.astimezone(ZONE).date()
            if stage == "Closed Lost" and rng.random() < 0.3:
                amount = "0"
        category = CATEGORY[stage]
        if override and stage == "Consideration":
            category = "Commit"
        steps.append(Step(at, stage, amount, close, category))
        if stage.startswith("Closed"):
            break
    return steps


def _export_row(rng: random.Random, number: int, steps: list[Step]) -> dict[str, str]:
    last = steps[-1]
    amount = last.amount
    roll = rng.random()
    if roll < 0.15:
        modified = last.at - timedelta(days=rng.randrange(1, 10))  # before the last history row
    elif roll < 0.25:
        modified = last.at
    else:
        modified = last.at + timedelta(days=rng.randrange(0, 60), seconds=rng.randrange(86_400))
        if rng.random() < 0.4 and not last.stage.startswith("Closed"):
            amount = _money(rng)  # an edit after the history export was cut
    return {
        "Id": f"006{number:015d}",
        "Name": f"Opportunity {number:03d}",
        "Owner.Name": rng.choice(OWNERS),
        "StageName": last.stage,
        "Amount": amount,
        "CloseDate": last.close.isoformat(),
        "CreatedDate": stamp(steps[0].at),
        "ForecastCategoryName": last.category,
        "LeadSource": rng.choice(SOURCES),
        "Product": rng.choice(PRODUCTS),
        "Region": rng.choice(REGIONS),
        "Segment": rng.choice(SEGMENTS),
        "LastModifiedDate": stamp(modified),
    }


def write_org(folder: Path, *, deals: int = 220, seed: int = 14) -> OrgFiles:
    """Write `opportunities.csv` (`deals` random deals, and 20 created on the edges) and
    `opportunity_history.csv` into `folder`."""
    rng = random.Random(seed)
    deal_rows: list[dict[str, str]] = []
    history_rows: list[dict[str, str]] = []
    # Besides the random deals, two created right at each special moment (on it, a second
    # either side, an hour after), so existence and created dates are tested on the edge.
    edges = [
        moment + timedelta(seconds=offset)
        for index, moment in enumerate(SPECIAL_MOMENTS)
        for offset in ((0, 3600), (-1, 1))[index % 2]
    ]
    created = [_created(rng) for _ in range(deals)] + edges
    for number, when in enumerate(created, start=1):
        steps = _deal_steps(rng, when)
        row = _export_row(rng, number, steps)
        deal_rows.append(row)
        for step in steps:
            history_rows.append(
                {
                    "Id": f"008{len(history_rows) + 1:015d}",
                    "OpportunityId": row["Id"],
                    "CreatedDate": stamp(step.at),
                    "StageName": step.stage,
                    "Amount": step.amount,
                    "CloseDate": step.close.isoformat(),
                    "ForecastCategory": step.category,
                }
            )
    rng.shuffle(history_rows)  # exports are not sorted by time
    paths = (folder / "opportunities.csv", folder / "opportunity_history.csv")
    for path, columns, rows in zip(
        paths, (DEAL_COLUMNS, HISTORY_COLUMNS), (deal_rows, history_rows), strict=True
    ):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    return OrgFiles(paths[0], paths[1], len(deal_rows), len(history_rows))
