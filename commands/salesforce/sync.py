"""Pulling an org into the council: stages, users, Opportunities and their history.

Each object is read in SystemModstamp order from a stored watermark (less a small overlap,
since records committed in Salesforce during a read may carry an earlier stamp), one
page of up to 2,000 records at a time. Every page is loaded in its own transaction
together with the watermark it reaches, so a crash mid-sync loses nothing (the next run
reads from the last committed page) and doubles nothing (a record read twice is the same
upsert by its Id, and a history row already known by its Id changes nothing). The page's
`nextRecordsUrl` is not kept: it names a server-side cursor that expires (two days after
the query since API 56.0; before, after 15 minutes idle or when the user opened ten
more) and then answers `INVALID_QUERY_LOCATOR`, so a resume that needed it could fail
exactly when it is needed; the watermark needs nothing from the last run's connection and
reads again at most the overlap.

Deals load through the file import's own functions (`commands/imports.py`): the same
stage reading, owners, assumed history for a deal without one, and for OpportunityHistory
the same rebuild of a deal's versions, de-duplicated by each row's Id. OpportunityFieldHistory
(in CreatedDate order: it has no SystemModstamp) adds what OpportunityHistory does not
track: the mapped dimension fields, the owner and the next step, each change in force from
its own moment, through the same rebuild."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.import_columns import ColumnMap, export_category, export_moment
from commands.import_files import Record as ImportRecord
from commands.imports import (
    FIELD_KEY,
    IMPORT,
    FieldChange,
    ImportReport,
    _Context,
    _context,
    _Known,
    _load_batch,
    _rebuild,
    _Snapshot,
)
from commands.salesforce.org import Org, OrgError, Record
from commands.workspace import DIMENSIONS, ensure_workspace
from store import people, workspaces
from store import salesforce as store_sf
from store.deals import deals_by_external_ids, restore_deal
from store.models import SalesforceUser
from store.workspaces import StageSpec

OVERLAP = timedelta(minutes=2)
LEASE = timedelta(minutes=30)
FindSlack = Callable[[str], str | None]
"""A Slack user id for an email (`users.lookupByEmail`), or None."""

OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "Account.Name",
    "OwnerId",
    "StageName",
    "Amount",
    "CloseDate",
    "NextStep",
    "ForecastCategoryName",
    "CampaignId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
)
HISTORY_FIELDS = (
    "Id",
    "OpportunityId",
    "StageName",
    "Amount",
    "CloseDate",
    "ForecastCategory",
    "CreatedDate",
    "SystemModstamp",
)
FIELD_HISTORY = "OpportunityFieldHistory"
FIELD_HISTORY_FIELDS = (
    "Id",
    "OpportunityId",
    "Field",
    "DataType",
    "OldValue",
    "NewValue",
    "CreatedDate",
)
DEAL_COLUMNS = {
    "external_id": "Id",
    "name": "Name",
    "account": "Account.Name",
    "owner": "Owner.Name",
    "owner_email": "Owner.Email",
    "stage": "StageName",
    "amount": "Amount",
    "close": "CloseDate",
    "created": "CreatedDate",
    "modified": "LastModifiedDate",
    "category": "ForecastCategoryName",
    "next": "NextStep",
    "campaign": "CampaignId",
}
HISTORY_COLUMNS = ColumnMap(
    {
        "external_id": "OpportunityId",
        "stage": "StageName",
        "amount": "Amount",
        "close": "CloseDate",
        "category": "ForecastCategory",
        "created": "CreatedDate",
    }
)


def sync_actor(workspace_id: str) -> Actor:
    """Who the sync's changes are made by: Salesforce, not a person here."""
    return Actor(workspace_id, "salesforce", "Salesforce", "salesforce", workspace_id)


@dataclass
class SyncReport:
    """What one sync did, for the CLI and `council salesforce status`."""

    workspace_id: str
    claimed: bool = True
    stages_added: list[str] = field(default_factory=list)
    stages: int = 0
    users: int = 0
    slack_matched: int = 0
    deals: ImportReport = field(default_factory=ImportReport)
    deleted: int = 0
    held_back: int = 0  # changed here and not yet written back: Salesforce's wait
    history: ImportReport = field(default_factory=ImportReport)
    # Campaigns and leads (`marketing.py`): each object's loading, deletions, and the
    # objects the org does not let the integration user read.
    objects: dict[str, ImportReport] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    field_history: ImportReport = field(default_factory=ImportReport)
    pages: int = 0
    stopped: str | None = None  # why the sync stopped before the end
    notes: list[str] = field(default_factory=list)  # what was left out, and why


def soql_time(moment: datetime) -> str:
    """A SOQL datetime literal (UTC, to the second)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sf_moment(text: str) -> datetime:
    return export_moment(text, ZoneInfo("UTC")).astimezone(UTC)


def _since(state_watermark: datetime | None, full: bool, stamp: str = "SystemModstamp") -> str:
    if full or state_watermark is None:
        return ""
    return f" WHERE {stamp} >= {soql_time(state_watermark - OVERLAP)}"


def _pages(org: Org, soql: str, *, include_deleted: bool = False) -> Iterator[list[Record]]:
    page = org.query(soql, include_deleted=include_deleted)
    while True:
        yield list(page.get("records") or [])
        next_url = page.get("nextRecordsUrl")
        if page.get("done", True) or not next_url:
            return
        page = org.query_more(next_url)


def _text(value: Any) -> str:
    """A field's value as an export cell writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return format(Decimal(str(value)), "f")
    return str(value)


def field_value(record: Record, name: str) -> Any:
    """A field of a record, following relationships (`Account.Type`)."""
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def pull(
    env: Env,
    workspace_id: str,
    org: Org,
    find_slack: FindSlack | None = None,
    *,
    full: bool = False,
) -> SyncReport:
    """Stages, users, campaigns (which deals name), Opportunities (with deletions) and
    their history, then leads (which name their converted deals), each page committed with
    its watermark. An `OrgError` stops the sync where it is; what was committed stays, and
    the next run goes on from there. Campaigns or leads the org does not let us read are
    skipped and named, and the deals still come."""
    # marketing.py builds on this module's paging and watermarks.
    from commands.salesforce import marketing

    report = SyncReport(workspace_id)
    try:
        _stages(env, workspace_id, org, report)
        _users(env, workspace_id, org, find_slack, report, full=full)
        campaigns = marketing.pull_campaigns(env, workspace_id, org, report, full=full)
        _opportunities(env, workspace_id, org, report, full=full, campaigns=campaigns)
        _history(env, workspace_id, org, report, full=full)
        _field_history(env, workspace_id, org, report, full=full)
        marketing.pull_leads(env, workspace_id, org, report, full=full)
    except OrgError as error:
        report.stopped = f"{error.code}: {error.message}"
    return report


def _stages(env: Env, workspace_id: str, org: Org, report: SyncReport) -> None:
    records = [
        r
        for page in _pages(
            org,
            "SELECT Id, MasterLabel, ApiName, IsActive, IsClosed, IsWon, ForecastCategoryName, "
            "DefaultProbability, SortOrder FROM OpportunityStage WHERE IsActive = true "
            "ORDER BY SortOrder",
        )
        for r in page
    ]
    specs = [_stage_spec(r) for r in records]
    with env.db.transaction() as session:
        ensure_workspace(session, sync_actor(workspace_id), env.now())
        report.stages_added = workspaces.adopt_stages(session, workspace_id, specs)
        report.stages = len(specs)


def _stage_spec(record: Record) -> StageSpec:
    status = "open"
    if record.get("IsClosed"):
        status = "won" if record.get("IsWon") else "lost"
    category = export_category(str(record.get("ForecastCategoryName") or "")) or "Pipeline"
    if status == "won":
        category = "Closed"
    elif status == "lost":
        category = "Omitted"
    probability = int(Decimal(str(record.get("DefaultProbability") or 0)))
    return StageSpec(str(record["MasterLabel"]), category, probability, status)


def _users(
    env: Env,
    workspace_id: str,
    org: Org,
    find_slack: FindSlack | None,
    report: SyncReport,
    *,
    full: bool,
) -> None:
    with env.db.transaction() as session:
        since = _since(store_sf.sync_state(session, workspace_id, "User").watermark, full)
    soql = (
        "SELECT Id, Name, Email, ManagerId, IsActive, SystemModstamp FROM User"
        f"{since} ORDER BY SystemModstamp, Id"
    )
    for page in _pages(org, soql):
        with env.db.transaction() as session:
            known = store_sf.users_by_id(session, workspace_id, [r["Id"] for r in page])
            matched = {user_id for user_id, user in known.items() if user.slack_matched}
        # Slack is asked outside the transaction, and only for users not matched yet.
        slack_ids = {
            r["Id"]: find_slack(r["Email"])
            for r in page
            if find_slack and r.get("Email") and r["Id"] not in matched
        }
        with env.db.transaction() as session:
            for record in page:
                _user(session, env.now(), workspace_id, record, slack_ids.get(record["Id"]))
            _advance(session, workspace_id, "User", page)
        report.users += len(page)
        report.slack_matched += sum(1 for v in slack_ids.values() if v)
        report.pages += 1
    with env.db.transaction() as session:
        users = store_sf.users_by_id(session, workspace_id)
        for user in users.values():
            person = people.get_person(session, workspace_id, user.person_id)
            manager = users.get(user.manager_user_id or "")
            if person is not None:
                person.manager_id = manager.person_id if manager else None


def _user(
    session: Session, now: datetime, workspace_id: str, record: Record, slack_id: str | None
) -> None:
    user_id = str(record["Id"])
    name = str(record.get("Name") or record.get("Email") or user_id)[:255]
    email = str(record.get("Email") or "")[:255] or None
    known = store_sf.users_by_id(session, workspace_id, [user_id]).get(user_id)
    person = people.get_person(session, workspace_id, known.person_id) if known else None
    if person is None and slack_id:
        person = people.person_by_slack_id(session, workspace_id, slack_id)
    if person is None and email:
        found = people.people_by_name(session, workspace_id, email)
        person = found[0] if found else None
    if person is None:
        person = people.add_person(
            session,
            workspace_id,
            display_name=name,
            slack_user_id=slack_id,
            role="rep",
            now=now,
            email=email,
        )
    person.display_name, person.email = name, email
    free = slack_id and people.person_by_slack_id(session, workspace_id, slack_id) is None
    if free and person.slack_user_id is None:
        person.slack_user_id = slack_id
    if known is None:
        known = SalesforceUser(workspace_id=workspace_id, user_id=user_id, slack_matched=False)
        session.add(known)
    known.person_id = person.id
    known.name, known.email = name, email
    known.manager_user_id = record.get("ManagerId")
    known.active = bool(record.get("IsActive", True))
    known.slack_matched = known.slack_matched or bool(slack_id) or bool(person.slack_user_id)
    session.flush()


def _advance(
    session: Session,
    workspace_id: str,
    sobject: str,
    page: list[Record],
    stamp_field: str = "SystemModstamp",
) -> None:
    """Move the object's watermark to the page's last record, in the page's transaction."""
    state = store_sf.sync_state(session, workspace_id, sobject)
    if page:
        last = page[-1]
        stamp = sf_moment(str(last[stamp_field]))
        state.watermark = max(stamp, state.watermark) if state.watermark else stamp
        state.last_id = str(last.get("Id") or "")[:18]
    state.rows += len(page)
    state.last_run_at = datetime.now(UTC)
    state.error = None


def dimension_fields(field_map: dict[str, str]) -> dict[str, str]:
    """The mapped dimensions' Salesforce fields (`region` -> `Region__c`)."""
    return {d: f for d, f in field_map.items() if d in DIMENSIONS}


def _opportunities(
    env: Env, workspace_id: str, org: Org, report: SyncReport, *, full: bool, campaigns: bool = True
) -> None:
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        mapped = dimension_fields(dict(connection.field_map) if connection else {})
        since = _since(store_sf.sync_state(session, workspace_id, "Opportunity").watermark, full)
    # Without Campaign access (or the feature) Opportunity has no CampaignId to read.
    unread = () if campaigns else ("CampaignId",)
    selected = [
        f for f in dict.fromkeys([*OPPORTUNITY_FIELDS, *mapped.values()]) if f not in unread
    ]
    soql = f"SELECT {', '.join(selected)} FROM Opportunity{since} ORDER BY SystemModstamp, Id"
    columns = ColumnMap({k: v for k, v in {**DEAL_COLUMNS, **mapped}.items() if v not in unread})
    actor = sync_actor(workspace_id)
    line = 0
    # queryAll: deleted Opportunities come in the same order, with IsDeleted set.
    for page in _pages(org, soql, include_deleted=True):
        with env.db.transaction() as session:
            ctx = _context(session, env, actor, _Known({}, new_stages=True))
            ids = [str(r["Id"]) for r in page]
            held = store_sf.pending_for(session, workspace_id, ids)
            stamps = {str(r["Id"]): sf_moment(str(r["SystemModstamp"])) for r in page}
            gone = {str(r["Id"]): stamps[str(r["Id"])] for r in page if r.get("IsDeleted")}
            for deal in deals_by_external_ids(session, workspace_id, ids).values():
                back = deal.external_id or ""
                if deal.deleted_at is not None and back not in gone:
                    # undeleted in Salesforce: in the pipeline again from then on
                    restore_deal(session, deal, stamps[back], IMPORT)
            owners = store_sf.users_by_id(
                session, workspace_id, list({str(r.get("OwnerId") or "") for r in page})
            )
            batch: list[tuple[int, ImportRecord, int]] = []
            for record in page:
                line += 1
                if record.get("IsDeleted") or str(record["Id"]) in held:
                    continue
                batch.append((line, _deal_row(record, owners, mapped), 1))
            _load_batch(ctx, columns, batch, report.deals)
            report.deleted += store_sf.delete_deals(session, workspace_id, gone)
            report.held_back += len(held)
            _advance(session, workspace_id, "Opportunity", page)
        report.deals.rows += len(page)
        report.pages += 1


def _deal_row(
    record: Record, owners: dict[str, SalesforceUser], mapped: dict[str, str]
) -> dict[str, str]:
    """An Opportunity as the file import reads a row: every cell text."""
    row = {header: _text(field_value(record, header)) for header in OPPORTUNITY_FIELDS}
    owner = owners.get(str(record.get("OwnerId") or ""))
    row["Owner.Name"] = owner.name if owner else ""
    row["Owner.Email"] = (owner.email or "") if owner else ""
    for salesforce_field in mapped.values():
        row[salesforce_field] = _text(field_value(record, salesforce_field))
    return row


def _history(env: Env, workspace_id: str, org: Org, report: SyncReport, *, full: bool) -> None:
    with env.db.transaction() as session:
        since = _since(
            store_sf.sync_state(session, workspace_id, "OpportunityHistory").watermark, full
        )
    soql = (
        f"SELECT {', '.join(HISTORY_FIELDS)} FROM OpportunityHistory{since} "
        "ORDER BY SystemModstamp, Id"
    )
    actor = sync_actor(workspace_id)
    line = 0
    for page in _pages(org, soql):
        by_deal: dict[str, list[_Snapshot]] = {}
        for record in page:
            line += 1
            row = {header: _text(record.get(header)) for header in HISTORY_FIELDS}
            at = sf_moment(row["CreatedDate"])
            by_deal.setdefault(row["OpportunityId"], []).append(
                _Snapshot(line, at, row, f"id:{row['Id']}")
            )
        with env.db.transaction() as session:
            ctx = _context(session, env, actor, _Known({}, new_stages=True))
            deals = deals_by_external_ids(session, workspace_id, list(by_deal))
            for opportunity_id, snapshots in by_deal.items():
                deal = deals.get(opportunity_id)
                if deal is not None:  # an Opportunity never seen here has no deal
                    _rebuild(ctx, HISTORY_COLUMNS, deal, snapshots, report.history)
            _advance(session, workspace_id, "OpportunityHistory", page)
        report.history.rows += len(page)
        report.pages += 1


def tracked_fields(field_map: dict[str, str]) -> dict[str, str]:
    """The Opportunity fields the versions keep over time and OpportunityHistory does not,
    as OpportunityFieldHistory names them -> ours: the mapped dimensions (a related
    record's field, `Account.Type`, has no history here), the owner and the next step."""
    mapped = {f: d for d, f in dimension_fields(field_map).items() if "." not in f}
    return {**mapped, "Owner": "owner_id", "NextStep": "next_step"}


def _field_history(
    env: Env, workspace_id: str, org: Org, report: SyncReport, *, full: bool
) -> None:
    """OpportunityFieldHistory's rows of the tracked fields, in CreatedDate order (its rows
    never change, and it has no SystemModstamp). An org that tracks none of them has no
    rows; one whose user may not read the object (`INVALID_TYPE`) syncs the rest."""
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        ours = tracked_fields(dict(connection.field_map) if connection else {})
        watermark = store_sf.sync_state(session, workspace_id, FIELD_HISTORY).watermark
    since = _since(watermark, full, "CreatedDate")
    names = ", ".join(f"'{name}'" for name in ours)
    soql = (
        f"SELECT {', '.join(FIELD_HISTORY_FIELDS)} FROM {FIELD_HISTORY}{since}"
        f"{' AND' if since else ' WHERE'} Field IN ({names}) ORDER BY CreatedDate, Id"
    )
    try:
        for page in _pages(org, soql):
            _field_page(env, workspace_id, page, ours, report)
    except OrgError as error:
        if error.code != "INVALID_TYPE":
            raise
        why = (
            f"{FIELD_HISTORY} is not readable ({error.message}): owners, next steps and "
            "mapped fields change in the versions only when the sync sees them change"
        )
        with env.db.transaction() as session:
            store_sf.sync_state(session, workspace_id, FIELD_HISTORY).error = why
        report.notes.append(why)


def _field_page(
    env: Env, workspace_id: str, page: list[Record], ours: dict[str, str], report: SyncReport
) -> None:
    # An owner's change is two rows: the users' Ids (EntityId), then their names.
    rows = [
        r
        for r in page
        if r.get("Field") in ours and (r["Field"] != "Owner" or r.get("DataType") == "EntityId")
    ]
    with env.db.transaction() as session:
        ctx = _context(session, env, sync_actor(workspace_id), _Known({}, new_stages=True))
        user_ids = [str(r.get(side)) for r in rows for side in ("OldValue", "NewValue")]
        users = store_sf.users_by_id(session, workspace_id, user_ids) if rows else {}
        by_deal: dict[str, list[FieldChange]] = {}
        for record in rows:
            name = ours[record["Field"]]
            old, new = (
                _field_value(ctx, name, record.get(side), users)
                for side in ("OldValue", "NewValue")
            )
            if name == "owner_id" and (old is None or new is None):
                report.field_history.flag(0, "an owner change from or to an unknown user: left out")
                continue
            change = FieldChange(
                sf_moment(str(record["CreatedDate"])),
                f"{FIELD_KEY}{name}:{record['Id']}",
                name,
                old,
                new,
            )
            by_deal.setdefault(str(record["OpportunityId"]), []).append(change)
        deals = deals_by_external_ids(session, workspace_id, list(by_deal))
        for opportunity_id, changes in by_deal.items():
            deal = deals.get(opportunity_id)
            if deal is not None:  # an Opportunity never seen here has no deal
                _rebuild(ctx, HISTORY_COLUMNS, deal, [], report.field_history, changes)
        _advance(session, workspace_id, FIELD_HISTORY, page, "CreatedDate")
    report.field_history.rows += len(page)
    report.pages += 1


def _field_value(ctx: _Context, name: str, value: Any, users: dict[str, SalesforceUser]) -> Any:
    """A field history value as the versions keep it."""
    text = _text(value)
    if name == "owner_id":
        user = users.get(text)
        return user.person_id if user else None
    if name == "next_step":
        return text[:1000] or None
    return ctx.dimension(name, text[:128])


def claim(env: Env, workspace_id: str, *, every: timedelta | None = None) -> bool:
    """Take the workspace's sync for this process: False when another holds it (or, for
    the clock's `every`, when one began less than that long ago)."""
    now = env.now()
    with env.db.transaction() as session:
        return store_sf.claim_sync(
            session,
            workspace_id,
            now=now,
            until=now + LEASE,
            not_started_since=now - every + timedelta(seconds=30) if every else None,
        )


def release(env: Env, workspace_id: str, report: SyncReport, usage: tuple[int, int] | None) -> None:
    """Let the sync go, with what it left to show in `council salesforce status`."""
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        if connection is None:
            return
        connection.lease_until = None
        connection.last_finished_at = env.now()
        connection.last_error = report.stopped
        if usage is not None:
            connection.calls_used, connection.calls_limit = usage
