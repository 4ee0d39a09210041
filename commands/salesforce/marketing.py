"""Pulling an org's campaigns and leads: Campaign, CampaignMemberStatus, CampaignMember,
Lead and LeadHistory (SPEC section 9), each from its own watermark as `sync.py` pulls
Opportunities, and through the file imports' own loaders (`commands/campaigns/imports.py`,
`commands/sla/imports.py`): the same checks, the same upserts by Salesforce Id.

Campaigns and their statuses are few and load in one transaction per sync, since a
campaign's ParentId may name one read on a later page and a campaign's statuses are a
set. Members, leads and LeadHistory load a page per transaction with the watermark the
page reaches, so a crash loses nothing and doubles nothing.

Deletions (read with queryAll) keep history: a deleted member's status ends at its
deletion (figures as of before stay), a deleted campaign's members end with it and the
campaign stays for the deals that named it, and a deleted lead stays marked, its moments
still the SLA's history, but is no longer handed off.

An org that does not let the integration user read an object (`INVALID_TYPE`,
`INSUFFICIENT_ACCESS`) has it skipped and named; the deals still come.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from commands.campaigns.imports import (
    CAMPAIGN_HEADERS,
    STATUS_HEADERS,
    columns_for,
    load_campaigns,
    load_members,
    load_statuses,
    member_columns,
)
from commands.context import Env
from commands.imports import ImportReport
from commands.salesforce.org import Org, OrgError, Record
from commands.salesforce.sync import (
    SyncReport,
    _advance,
    _pages,
    _since,
    _text,
    field_value,
    sf_moment,
    sync_actor,
)
from commands.sla.imports import lead_columns, load_lead_history, load_leads, status_words
from commands.workspace import ensure_workspace
from store import campaigns as store_campaigns
from store import leads as store_leads
from store import salesforce as store_sf

CAMPAIGN_FIELDS = (
    "Id",
    "Name",
    "Type",
    "Status",
    "ParentId",
    "StartDate",
    "EndDate",
    "BudgetedCost",
    "ActualCost",
    "ExpectedRevenue",
    "ExpectedResponse",
    "NumberSent",
    "IsActive",
    "SystemModstamp",
    "IsDeleted",
)
STATUS_FIELDS = (
    "Id",
    "CampaignId",
    "Label",
    "HasResponded",
    "IsDefault",
    "SortOrder",
    "SystemModstamp",
    "IsDeleted",
)
MEMBER_FIELDS = (
    "Id",
    "CampaignId",
    "LeadId",
    "ContactId",
    "Status",
    "HasResponded",
    "FirstRespondedDate",
    "CreatedDate",
    "SystemModstamp",
    "IsDeleted",
)
LEAD_FIELDS = (
    "Id",
    "Name",
    "Company",
    "Email",
    "LeadSource",
    "Status",
    "OwnerId",
    "IsConverted",
    "ConvertedDate",
    "ConvertedOpportunityId",
    "CreatedDate",
    "SystemModstamp",
    "IsDeleted",
)
LEAD_HISTORY_FIELDS = ("Id", "LeadId", "Field", "OldValue", "NewValue", "CreatedDate")
# The lead import's fields orgs keep in custom fields, which `council salesforce map`
# names (`mql=MQL_Date__c`), as `--map MQL_Date__c=MQLDate` does for a file.
LEAD_MAPPED = ("mql", "accepted", "rejected", "reason", "segment")
NO_ACCESS = ("INVALID_TYPE", "INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY")
IN_LIST = 200  # Ids per `IN (...)`: a SOQL statement stays well under its length limit


def lead_fields(field_map: dict[str, str]) -> dict[str, str]:
    """The mapped lead fields (`mql` -> `MQL_Date__c`): kept as `lead.mql` beside the
    dimensions, since `segment` is a dimension of deals too."""
    return {
        name.removeprefix("lead."): api
        for name, api in field_map.items()
        if name.startswith("lead.") and name.removeprefix("lead.") in LEAD_MAPPED
    }


Step = Callable[[Env, str, Org, SyncReport, bool], None]


def pull_campaigns(
    env: Env, workspace_id: str, org: Org, report: SyncReport, *, full: bool
) -> bool:
    """Campaigns, their member statuses, then their members; False when the org does not
    let us read campaigns."""
    return _in_turn(
        env,
        workspace_id,
        org,
        report,
        full,
        [
            ("Campaign", _campaigns),
            ("CampaignMemberStatus", _statuses),
            ("CampaignMember", _members),
        ],
    )


def pull_leads(env: Env, workspace_id: str, org: Org, report: SyncReport, *, full: bool) -> bool:
    """Leads, then the status moments of their LeadHistory."""
    return _in_turn(
        env, workspace_id, org, report, full, [("Lead", _leads), ("LeadHistory", _lead_history)]
    )


def _in_turn(
    env: Env,
    workspace_id: str,
    org: Org,
    report: SyncReport,
    full: bool,
    steps: list[tuple[str, Step]],
) -> bool:
    """Each object in turn, unless the first cannot be read (the rest depend on it)."""
    first, *rest = steps
    if not _or_skip(
        env, workspace_id, first[0], report, partial(first[1], env, workspace_id, org, report, full)
    ):
        return False
    for sobject, step in rest:
        _or_skip(
            env, workspace_id, sobject, report, partial(step, env, workspace_id, org, report, full)
        )
    return True


def _or_skip(
    env: Env, workspace_id: str, sobject: str, report: SyncReport, pull: Callable[[], None]
) -> bool:
    """Pull the object; when the org does not let us read it, name it (in the report and
    in its sync state, for `council salesforce status`) and go on. False when skipped."""
    try:
        pull()
    except OrgError as error:
        if error.code not in NO_ACCESS:
            raise
        report.skipped.append(f"{sobject} ({error.code})")
        with env.db.transaction() as session:
            state = store_sf.sync_state(session, workspace_id, sobject)
            state.error = f"{error.code}: {error.message}"[:500]
            state.last_run_at = env.now()
        return False
    return True


def _row(record: Record, fields: Sequence[str]) -> dict[str, str]:
    """A record as the file import reads a row: every cell text."""
    return {name: _text(field_value(record, name)) for name in fields}


def _query(
    workspace_id: str,
    env: Env,
    sobject: str,
    fields: Sequence[str],
    full: bool,
    stamp: str = "SystemModstamp",
    where: str = "",
) -> str:
    with env.db.transaction() as session:
        since = _since(store_sf.sync_state(session, workspace_id, sobject).watermark, full, stamp)
    if where:
        since = f" WHERE {where}{since.replace(' WHERE ', ' AND ')}"
    return f"SELECT {', '.join(fields)} FROM {sobject}{since} ORDER BY {stamp}, Id"


def _part(report: SyncReport, sobject: str) -> ImportReport:
    return report.objects.setdefault(sobject, ImportReport())


def _campaigns(env: Env, workspace_id: str, org: Org, report: SyncReport, full: bool) -> None:
    soql = _query(workspace_id, env, "Campaign", CAMPAIGN_FIELDS, full)
    records: list[Record] = []
    for page in _pages(org, soql, include_deleted=True):
        records += page
        report.pages += 1
    part = _part(report, "Campaign")
    columns = columns_for(CAMPAIGN_FIELDS, CAMPAIGN_HEADERS, ("id", "name"))
    with env.db.transaction() as session:
        now = env.now()
        workspace = ensure_workspace(session, sync_actor(workspace_id), now)
        live = [
            (n, _row(r, CAMPAIGN_FIELDS))
            for n, r in enumerate(records, 1)
            if not r.get("IsDeleted")
        ]
        load_campaigns(session, workspace, columns, live, part, now)
        gone = [r for r in records if r.get("IsDeleted")]
        if gone:
            # Salesforce deletes a campaign's members with it; the campaign stays here,
            # since deals' history names it.
            ids = store_campaigns.campaigns_by_external_ids(
                session, workspace_id, [str(r["Id"]) for r in gone]
            )
            for record in gone:
                campaign = ids.get(str(record["Id"]))
                if campaign is not None:
                    store_campaigns.end_members(
                        session,
                        workspace_id,
                        sf_moment(str(record["SystemModstamp"])),
                        campaign_ids=[campaign.id],
                    )
            report.removed["Campaign"] = report.removed.get("Campaign", 0) + len(ids)
        _advance(session, workspace_id, "Campaign", records)
    part.rows += len(records)


def _statuses(env: Env, workspace_id: str, org: Org, report: SyncReport, full: bool) -> None:
    """Statuses changed (or deleted) since the watermark name their campaigns; each of
    those campaigns' whole set is read again and loaded as the file import loads a
    campaign's rows: as its statuses."""
    soql = _query(workspace_id, env, "CampaignMemberStatus", STATUS_FIELDS, full)
    changed: list[Record] = []
    for page in _pages(org, soql, include_deleted=True):
        changed += page
        report.pages += 1
    touched = sorted({str(r["CampaignId"]) for r in changed if r.get("CampaignId")})
    current: list[Record] = []
    for first in range(0, len(touched), IN_LIST):
        listed = ", ".join(f"'{i}'" for i in touched[first : first + IN_LIST])
        whole = (
            f"SELECT {', '.join(STATUS_FIELDS)} FROM CampaignMemberStatus "
            f"WHERE CampaignId IN ({listed}) ORDER BY CampaignId, SortOrder"
        )
        for page in _pages(org, whole):
            current += page
            report.pages += 1
    part = _part(report, "CampaignMemberStatus")
    columns = columns_for(STATUS_FIELDS, STATUS_HEADERS, ("campaign", "label"))
    with env.db.transaction() as session:
        workspace = ensure_workspace(session, sync_actor(workspace_id), env.now())
        rows = [(n, _row(r, STATUS_FIELDS)) for n, r in enumerate(current, 1)]
        load_statuses(session, workspace, columns, rows, part)
        _advance(session, workspace_id, "CampaignMemberStatus", changed)
    part.rows += len(changed)


def _members(env: Env, workspace_id: str, org: Org, report: SyncReport, full: bool) -> None:
    soql = _query(workspace_id, env, "CampaignMember", MEMBER_FIELDS, full)
    part = _part(report, "CampaignMember")
    columns = member_columns(MEMBER_FIELDS)
    line = 0
    for page in _pages(org, soql, include_deleted=True):
        with env.db.transaction() as session:
            now = env.now()
            workspace = ensure_workspace(session, sync_actor(workspace_id), now)
            live = []
            for record in page:
                line += 1
                if not record.get("IsDeleted"):
                    live.append((line, _row(record, MEMBER_FIELDS)))
            load_members(session, workspace, columns, live, part, now)
            store_leads.campaigns_from_members(
                session, workspace_id, [r["LeadId"] for _l, r in live if r["LeadId"]]
            )
            for record in page:
                if record.get("IsDeleted"):
                    ended = store_campaigns.end_members(
                        session,
                        workspace_id,
                        sf_moment(str(record["SystemModstamp"])),
                        external_ids=[str(record["Id"])],
                    )
                    report.removed["CampaignMember"] = (
                        report.removed.get("CampaignMember", 0) + ended
                    )
            _advance(session, workspace_id, "CampaignMember", page)
        part.rows += len(page)
        report.pages += 1


def _leads(env: Env, workspace_id: str, org: Org, report: SyncReport, full: bool) -> None:
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        mapped = lead_fields(dict(connection.field_map) if connection else {})
    selected = list(dict.fromkeys([*LEAD_FIELDS, *mapped.values()]))
    soql = _query(workspace_id, env, "Lead", selected, full)
    columns = lead_columns(
        [*selected, "Owner.Name", "Owner.Email"], {api: name for name, api in mapped.items()}
    )
    actor = sync_actor(workspace_id)
    part = _part(report, "Lead")
    line = 0
    for page in _pages(org, soql, include_deleted=True):
        with env.db.transaction() as session:
            owners = store_sf.users_by_id(
                session, workspace_id, list({str(r.get("OwnerId") or "") for r in page})
            )
            live: list[tuple[int, Any]] = []
            gone = {}
            for record in page:
                line += 1
                if record.get("IsDeleted"):
                    gone[str(record["Id"])] = sf_moment(str(record["SystemModstamp"]))
                    continue
                row = _row(record, selected)
                owner = owners.get(str(record.get("OwnerId") or ""))
                row["Owner.Name"] = owner.name if owner else ""
                row["Owner.Email"] = (owner.email or "") if owner else ""
                live.append((line, row))
            part.absorb(load_leads(session, actor, columns, live, env.now(), False))
            live_ids = [str(r["Id"]) for _l, r in live]
            marked = store_leads.mark_deleted(session, workspace_id, gone, live_ids)
            report.removed["Lead"] = report.removed.get("Lead", 0) + marked
            store_leads.campaigns_from_members(session, workspace_id, live_ids)
            _advance(session, workspace_id, "Lead", page)
        part.rows += len(page)
        report.pages += 1


def _lead_history(env: Env, workspace_id: str, org: Org, report: SyncReport, full: bool) -> None:
    # Only Status changes give moments; other tracked fields' rows are not read at all.
    soql = _query(
        workspace_id,
        env,
        "LeadHistory",
        LEAD_HISTORY_FIELDS,
        full,
        "CreatedDate",
        "Field = 'Status'",
    )
    actor = sync_actor(workspace_id)
    part = _part(report, "LeadHistory")
    line = 0
    for page in _pages(org, soql):
        rows: list[tuple[int, Any]] = []
        for record in page:
            line += 1
            rows.append((line, _row(record, LEAD_HISTORY_FIELDS)))
        with env.db.transaction() as session:
            words = status_words(session, workspace_id)
            part.absorb(load_lead_history(actor, rows, words, session, env.now()))
            _advance(session, workspace_id, "LeadHistory", page, "CreatedDate")
        part.rows += len(page)
        report.pages += 1
