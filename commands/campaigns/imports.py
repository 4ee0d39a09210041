"""`council import campaigns|campaign-statuses|campaign-members`: Salesforce's Campaign,
CampaignMemberStatus and CampaignMember exports, with their own column names.

Campaigns and statuses are few and load in one transaction; members load in batches, each
its own transaction, so a crash loses at most the batch under way and running the file
again finishes the job (members already loaded are known by their Id). Bad rows are listed
with their line and reason; good rows still load.

Reading a file and loading its rows are apart: `load_campaigns`, `load_statuses` and
`load_members` take (line, row) pairs in a transaction, and the Salesforce sync hands
them its records (`commands/salesforce/marketing.py`), so both follow the same rules.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.import_columns import (
    export_date,
    export_day,
    export_moment,
    has_time,
    known_headers,
)
from commands.imports import BATCH, ImportReport, Progress, RowError
from commands.parsing import ParseError, clean, parse_amount
from commands.periods import midnight
from commands.workspace import ensure_workspace
from store import campaigns as store_campaigns
from store.campaigns import NewMember, StatusSpec
from store.models import Campaign, Workspace

# Each field and the headers that name it (API names first; compared without case or
# punctuation).
CAMPAIGN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "Campaign ID", "CampaignId"),
    "name": ("Name", "Campaign Name"),
    "type": ("Type",),
    "status": ("Status",),
    "parent": ("ParentId", "Parent.Id", "Parent Campaign ID"),
    "start": ("StartDate", "Start Date"),
    "end": ("EndDate", "End Date"),
    "budgeted_cost": ("BudgetedCost", "Budgeted Cost"),
    "actual_cost": ("ActualCost", "Actual Cost"),
    "expected_revenue": ("ExpectedRevenue", "Expected Revenue"),
    "expected_response": ("ExpectedResponse", "Expected Response"),
    "number_sent": ("NumberSent", "Num Sent"),
}
STATUS_HEADERS: dict[str, tuple[str, ...]] = {
    "campaign": ("CampaignId", "Campaign.Id"),
    "label": ("Label", "Status"),
    "responded": ("HasResponded", "Responded"),
    "default": ("IsDefault", "Default"),
    "order": ("SortOrder", "Sort Order"),
}
MEMBER_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "CampaignMemberId"),
    "campaign": ("CampaignId", "Campaign.Id"),
    "lead": ("LeadId", "Lead.Id"),
    "contact": ("ContactId", "Contact.Id"),
    "status": ("Status",),
    "first_responded": ("FirstRespondedDate", "First Responded Date"),
    "created": ("CreatedDate", "Created Date"),
    # When the record last changed: the moment a changed Status took effect.
    "modified": ("SystemModstamp", "LastModifiedDate", "Last Modified Date"),
}
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class Columns:
    """Which header holds each field."""

    headers: dict[str, str]

    def get(self, row: dict[str, str], field: str) -> str:
        header = self.headers.get(field)
        return (row.get(header) or "").strip() if header else ""


def columns_for(
    headers: Sequence[str], known: dict[str, tuple[str, ...]], needed: tuple[str, ...]
) -> Columns:
    """Which header holds each field; raises ParseError naming a needed one missing."""
    found = known_headers(headers, known)
    missing = [known[f][0] for f in needed if f not in found]
    if missing:
        raise ParseError(f"the file has no {' or '.join(missing)} column")
    return Columns(found)


FIELD_LIMIT = 1 << 20  # a field past 1 MiB is no campaign's; its row is refused


def headers_of(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def _records(path: Path, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each record (BOM, CRLF, quoted commas and newlines); a record the
    csv module refuses is listed as bad, and reading goes on after it."""
    csv.field_size_limit(FIELD_LIMIT)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        line = 2
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                report.rows += 1
                report.bad.append((line, f"unreadable: {error}"))
            else:
                report.rows += 1
                yield line, {k: clean(v) if isinstance(v, str) else v for k, v in row.items()}
            line = reader.line_num + 1


def _money(text: str, what: str) -> Decimal | None:
    if not text:
        return None
    try:
        return parse_amount(text)
    except ParseError as error:
        raise RowError(f"{what}: {error}") from None


def _day(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return export_date(text)
    except ParseError as error:
        raise RowError(f"{what}: {error}") from None


def _flag(text: str, what: str) -> bool:
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise RowError(f"{what} `{text}` is neither true nor false")


def _whole(text: str, what: str) -> int | None:
    if not text:
        return None
    try:
        number = Decimal(text.replace(",", ""))
    except ArithmeticError:
        raise RowError(f"{what} `{text}` is not a number") from None
    if number < 0 or number != number.to_integral_value() or number >= 2**31:
        raise RowError(f"{what} `{text}` is not a whole number this bot can hold")
    return int(number)


def _fits(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise RowError(f"{what} is {len(text):,} characters long; at most {limit:,} fit")
    return text


def _campaign_fields(columns: Columns, row: dict[str, str]) -> dict[str, Any]:
    name = columns.get(row, "name")
    if not name:
        raise RowError("no Name")
    start, end = (
        _day(columns.get(row, "start"), "StartDate"),
        _day(columns.get(row, "end"), "EndDate"),
    )
    if start and end and end < start:
        raise RowError(f"EndDate {end} is before StartDate {start}")
    return {
        "name": _fits(name, 255, "Name"),
        "type": _fits(columns.get(row, "type"), 128, "Type") or None,
        "status": _fits(columns.get(row, "status"), 64, "Status") or None,
        "start_date": start,
        "end_date": end,
        "budgeted_cost": _money(columns.get(row, "budgeted_cost"), "BudgetedCost"),
        "actual_cost": _money(columns.get(row, "actual_cost"), "ActualCost"),
        "expected_revenue": _money(columns.get(row, "expected_revenue"), "ExpectedRevenue"),
        "expected_response": _money(columns.get(row, "expected_response"), "ExpectedResponse"),
        "number_sent": _whole(columns.get(row, "number_sent"), "NumberSent"),
    }


def _loops(campaign_id: int, parent_id: int, parents: dict[int, int | None]) -> bool:
    """Whether making `parent_id` the parent of `campaign_id` would make a loop."""
    seen = {campaign_id}
    current: int | None = parent_id
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


Rows = Iterable[tuple[int, dict[str, str]]]


def import_campaigns(
    env: Env, actor: Actor, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Upsert campaigns from a Campaign export (by Id), then link each to its ParentId."""
    report = ImportReport(dry_run=dry_run)
    columns = columns_for(headers_of(path), CAMPAIGN_HEADERS, ("id", "name"))
    with env.db.transaction(commit=not dry_run) as session:
        workspace = ensure_workspace(session, actor, env.now())
        load_campaigns(session, workspace, columns, _records(path, report), report, env.now())
        if progress:
            progress(report.rows)
    return report


def load_campaigns(
    session: Session,
    workspace: Workspace,
    columns: Columns,
    rows: Rows,
    report: ImportReport,
    now: datetime,
) -> dict[str, Campaign]:
    """Upsert the rows' campaigns by Id, then link each to its ParentId (any campaign of
    the workspace); the campaigns loaded, by Id."""
    read: dict[str, tuple[int, dict[str, Any], str]] = {}
    for line, row in rows:
        external_id = columns.get(row, "id")
        try:
            if not external_id:
                raise RowError("no Id")
            _fits(external_id, 64, "Id")
            fields = _campaign_fields(columns, row)
        except RowError as error:
            report.bad.append((line, str(error)))
            continue
        if external_id in read:
            report.flag(line, "the same campaign twice in the file: the later row wins")
        read[external_id] = (line, fields, columns.get(row, "parent"))
    existing = store_campaigns.campaigns_by_external_ids(session, workspace.id, read)
    loaded: dict[str, Campaign] = {}
    for external_id, (_line, fields, _parent) in read.items():
        campaign = existing.get(external_id)
        if campaign is None:
            campaign = store_campaigns.create_campaign(
                session, workspace.id, {"external_id": external_id, **fields}, now
            )
            report.created += 1
        elif any(getattr(campaign, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(campaign, key, value)
            campaign.updated_at = now
            report.changed += 1
        else:
            report.unchanged += 1
        loaded[external_id] = campaign
    session.flush()
    ids = store_campaigns.ids_by_external_id(session, workspace.id)
    parents = {c.id: c.parent_id for c in store_campaigns.all_campaigns(session, workspace.id)}
    for external_id, (line, _fields, parent_text) in read.items():
        campaign = loaded[external_id]
        parent_id = ids.get(parent_text) if parent_text else None
        if parent_text and parent_id is None:
            report.flag(line, "ParentId names no campaign: loaded without a parent")
        elif parent_id is not None and _loops(campaign.id, parent_id, parents):
            report.flag(line, "ParentId would make a loop: loaded without a parent")
            parent_id = None
        if campaign.parent_id != parent_id:
            campaign.parent_id = parent_id
            parents[campaign.id] = parent_id
    return loaded


def import_campaign_statuses(
    env: Env, actor: Actor, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Each campaign's member statuses from a CampaignMemberStatus export: the file's rows
    for a campaign become its statuses (a status members still hold stays). A campaign whose
    rows would leave it without exactly one default or without a responded status keeps the
    statuses it had, and its rows are listed with why."""
    report = ImportReport(dry_run=dry_run)
    columns = columns_for(headers_of(path), STATUS_HEADERS, ("campaign", "label"))
    with env.db.transaction(commit=not dry_run) as session:
        workspace = ensure_workspace(session, actor, env.now())
        load_statuses(session, workspace, columns, _records(path, report), report)
        if progress:
            progress(report.rows)
    return report


def load_statuses(
    session: Session, workspace: Workspace, columns: Columns, rows: Rows, report: ImportReport
) -> None:
    """The rows of each campaign become its whole set of statuses."""
    ids = store_campaigns.ids_by_external_id(session, workspace.id)
    by_campaign: dict[int, list[tuple[int, StatusSpec]]] = {}
    for line, row in rows:
        try:
            campaign_id = ids.get(columns.get(row, "campaign"))
            if campaign_id is None:
                raise RowError(
                    f"no campaign with Id `{columns.get(row, 'campaign')}`: "
                    "import the campaigns first"
                )
            label = _fits(columns.get(row, "label"), 128, "Label")
            if not label:
                raise RowError("no Label")
            spec = StatusSpec(
                label,
                _flag(columns.get(row, "responded"), "HasResponded"),
                _flag(columns.get(row, "default"), "IsDefault"),
                _whole(columns.get(row, "order"), "SortOrder") or 0,
            )
        except RowError as error:
            report.bad.append((line, str(error)))
            continue
        by_campaign.setdefault(campaign_id, []).append((line, spec))
    campaigns = {
        c.id: c for c in store_campaigns.all_campaigns(session, workspace.id) if c.id in by_campaign
    }
    for campaign_id, lines in by_campaign.items():
        specs = list({spec.label: spec for _line, spec in lines}.values())
        campaign = campaigns[campaign_id]
        problem = store_campaigns.status_set_error(specs)
        if problem is not None:
            for line, _spec in lines:
                report.bad.append((line, f"campaign `{campaign.name}`: {problem}"))
            continue
        before = {
            (s.label, s.has_responded, s.is_default, s.sort_order)
            for s in store_campaigns.statuses_of(session, [campaign_id])[campaign_id]
        }
        in_use = store_campaigns.labels_in_use(session, campaign_id)
        store_campaigns.replace_statuses(session, campaign, specs, in_use)
        kept = in_use - {s.label for s in specs}
        if kept:
            report.flag(lines[0][0], "a status members still hold is kept")
        wanted = {(s.label, s.has_responded, s.is_default, s.sort_order) for s in specs}
        if wanted <= before:
            report.unchanged += len(lines)
        else:
            report.changed += len(lines)


@dataclass(frozen=True)
class _MemberRow:
    line: int
    external_id: str | None
    campaign_id: int
    lead_id: str | None
    contact_id: str | None
    status: str
    first_responded: date | None
    created_at: datetime
    created_date: date
    modified_at: datetime | None


def member_columns(headers: Sequence[str]) -> Columns:
    columns = columns_for(headers, MEMBER_HEADERS, ("campaign",))
    if "lead" not in columns.headers and "contact" not in columns.headers:
        raise ParseError("the file has no LeadId or ContactId column")
    return columns


def import_campaign_members(
    env: Env, actor: Actor, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Campaign members from a CampaignMember export, upserted by Id. A member whose
    Status changed since the last import gets the new one from now on (its earlier one
    stays in its history). A Status the campaign does not have refuses the row."""
    report = ImportReport(dry_run=dry_run)
    columns = member_columns(headers_of(path))
    batch: list[tuple[int, dict[str, str]]] = []

    def flush() -> None:
        with env.db.transaction(commit=not dry_run) as session:
            workspace = ensure_workspace(session, actor, env.now())
            load_members(session, workspace, columns, batch, report, env.now())
        batch.clear()
        if progress:
            progress(report.rows)

    for record in _records(path, report):
        batch.append(record)
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    if progress:
        progress(report.rows)
    return report


def load_members(
    session: Session,
    workspace: Workspace,
    columns: Columns,
    batch: Sequence[tuple[int, dict[str, str]]],
    report: ImportReport,
    now: datetime,
) -> None:
    """Upsert the rows' members by Id (a lead or contact without one is in a campaign
    once); a changed Status takes effect from the row's SystemModstamp, or from now."""
    zone = ZoneInfo(workspace.timezone)
    ids = store_campaigns.ids_by_external_id(session, workspace.id)
    names = {c.id: c.name for c in store_campaigns.all_campaigns(session, workspace.id)}
    statuses = store_campaigns.statuses_of(session, sorted(set(ids.values())))
    read: dict[str, _MemberRow] = {}
    unnamed: list[_MemberRow] = []
    for line, row in batch:
        try:
            found = _member_row(columns, line, row, ids, names, statuses, zone, now, report)
        except RowError as error:
            report.bad.append((line, str(error)))
            continue
        if found.external_id is None:
            unnamed.append(found)
        else:
            read[found.external_id] = found
    existing = store_campaigns.members_by_external_ids(session, workspace.id, list(read))
    # Deleted in Salesforce and back (undeleted): its status counts again from the row on.
    back = store_campaigns.ended(session, [m.id for m in existing.values()])
    new: list[NewMember] = []
    for found in [*read.values(), *unnamed]:
        member = existing.get(found.external_id or "")
        if member is None and found.external_id is None:
            # Without an Id, a lead or contact is in a campaign once (as in Salesforce).
            who = found.lead_id or found.contact_id or ""
            member = store_campaigns.find_member(session, found.campaign_id, who)
        if member is None:
            new.append(
                NewMember(
                    found.external_id,
                    found.campaign_id,
                    found.lead_id,
                    found.contact_id,
                    found.status,
                    found.first_responded,
                    found.created_at,
                    found.created_date,
                )
            )
            continue
        if member.campaign_id != found.campaign_id:
            report.bad.append(
                (found.line, "a member cannot move to another campaign; Salesforce never does")
            )
            continue
        status = next(s for s in statuses[member.campaign_id] if s.label == found.status)
        changed = store_campaigns.change_member_status(
            session, member, status, at=found.modified_at or now, by=None, again=member.id in back
        )
        if found.first_responded and member.first_responded_date != found.first_responded:
            member.first_responded_date = found.first_responded
            changed = True
        if changed:
            report.changed += 1
        else:
            report.unchanged += 1
    store_campaigns.insert_members(session, workspace.id, new)
    report.created += len(new)


def _member_row(
    columns: Columns,
    line: int,
    row: dict[str, str],
    ids: dict[str, int],
    names: dict[int, str],
    statuses: dict[int, list[Any]],
    zone: ZoneInfo,
    now: datetime,
    report: ImportReport,
) -> _MemberRow:
    campaign_text = columns.get(row, "campaign")
    campaign_id = ids.get(campaign_text)
    if campaign_id is None:
        raise RowError(f"no campaign with Id `{campaign_text}`: import the campaigns first")
    lead = _fits(columns.get(row, "lead"), 64, "LeadId") or None
    contact = _fits(columns.get(row, "contact"), 64, "ContactId") or None
    if lead is None and contact is None:
        raise RowError("neither a LeadId nor a ContactId")
    own = statuses.get(campaign_id, [])
    label = columns.get(row, "status")
    if not label:
        default = next((s for s in own if s.is_default), None)
        if default is None:
            raise RowError(f"no Status, and campaign `{names[campaign_id]}` has no default")
        label = default.label
    elif label not in {s.label for s in own}:
        matches = [s.label for s in own if s.label.lower() == label.lower()]
        if len(matches) != 1:
            listed = ", ".join(s.label for s in own) or "none: import campaign-statuses first"
            raise RowError(
                f"campaign `{names[campaign_id]}` has no status `{label}` (its statuses: {listed})"
            )
        label = matches[0]
    created_text = columns.get(row, "created")
    try:
        created_date = (
            export_day(created_text, zone) if created_text else now.astimezone(zone).date()
        )
        created_at = (
            export_moment(created_text, zone)
            if created_text and has_time(created_text)
            else midnight(created_date, zone)
        )
    except ParseError as error:
        raise RowError(f"CreatedDate: {error}") from None
    if not created_text:
        created_at = now
        report.flag(line, "no CreatedDate: a member from the import on")
    external_id = _fits(columns.get(row, "id"), 64, "Id") or None
    modified_text = columns.get(row, "modified")
    modified = None
    if modified_text and has_time(modified_text):
        try:
            modified = export_moment(modified_text, zone)
        except ParseError as error:
            raise RowError(f"SystemModstamp: {error}") from None
    return _MemberRow(
        line,
        external_id,
        campaign_id,
        lead,
        contact,
        label,
        _day(columns.get(row, "first_responded"), "FirstRespondedDate"),
        created_at,
        created_date,
        modified,
    )
