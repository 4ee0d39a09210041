"""`council import leads`: a Salesforce Lead export into the store (SPEC section 8).

The hand-off moments (`MQLDate`, `AcceptedDate`, `RejectedDate`, `RejectionReason`) are
custom fields in most orgs, so `--map MQL_Date__c=MQLDate` names them. Rows are matched by
their `Id`: loading the same file again changes nothing. Bad rows are listed with their
line and reason, and the good ones still load.

Reading a file and loading rows are apart: `load_leads` and `load_lead_history` take
(line, row) pairs in a transaction, from a file here or from the Salesforce sync
(`commands/salesforce/marketing.py`), so both follow the same rules.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.context import Actor, Env
from commands.import_columns import export_moment, known_headers, squash
from commands.import_files import Record, Unreadable, records
from commands.imports import ImportReport, RowError
from commands.parsing import ParseError, clean
from commands.unit import run_job
from commands.workspace import ensure_workspace
from store import deals as store_deals
from store import import_maps, people
from store import leads as store_leads
from store.models import Lead, Person, Workspace

BATCH = 2000
VIA = "import"
GUESS_VIA = "import:guessed"  # a moment taken from LastModifiedDate or CreatedDate

# Each field and the headers that name it, best first (compared without case or
# punctuation).
LEAD_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Id", "LeadId", "Lead ID"),
    "name": ("Name", "Lead Name", "Full Name"),
    "first_name": ("FirstName", "First Name"),
    "last_name": ("LastName", "Last Name"),
    "company": ("Company", "Account Name"),
    "email": ("Email",),
    "source": ("LeadSource", "Lead Source", "Source"),
    "segment": ("Segment", "Segment__c"),
    "campaign": ("CampaignId", "Campaign.Id", "Campaign Id"),
    "owner_id": ("OwnerId", "Owner Id"),
    "owner": ("Owner.Name", "OwnerName", "Lead Owner", "Owner"),
    "owner_email": ("Owner.Email", "OwnerEmail", "Owner Email"),
    "status": ("Status", "Lead Status"),
    "created": ("CreatedDate", "Created Date"),
    "modified": ("LastModifiedDate", "Last Modified Date"),
    "converted": ("IsConverted", "Converted"),
    "converted_date": ("ConvertedDate", "Converted Date"),
    "converted_deal": ("ConvertedOpportunityId", "Converted Opportunity Id"),
    "mql": ("MQLDate", "MQL Date"),
    "accepted": ("AcceptedDate", "Accepted Date"),
    "rejected": ("RejectedDate", "Rejected Date"),
    "reason": ("RejectionReason", "Rejection Reason"),
}
# What `--map COLUMN=FIELD` may name: our field names and Salesforce's column names.
LEAD_FIELD_NAMES = {
    **{squash(field): field for field in LEAD_HEADERS},
    **{squash(name): field for field, names in LEAD_HEADERS.items() for name in names},
}
TRUE = {"true", "1", "yes", "y", "x"}


@dataclass(frozen=True)
class LeadColumns:
    columns: dict[str, str]

    def get(self, row: dict[str, str], field: str) -> str:
        header = self.columns.get(field)
        return clean(row.get(header) or "").strip() if header is not None else ""


def lead_columns(headers: Sequence[str], overrides: dict[str, str]) -> LeadColumns:
    """Which header holds each field, `--map COLUMN=FIELD` winning."""
    by_squash = {squash(h): h for h in headers if h is not None}
    columns = known_headers(headers, LEAD_HEADERS)
    for column, field_name in overrides.items():
        mapped = LEAD_FIELD_NAMES.get(squash(field_name))
        if mapped is None:
            known = ", ".join(names[0] for names in LEAD_HEADERS.values())
            raise ParseError(
                f"--map {column}={field_name}: `{field_name}` is not a field ({known})"
            )
        header = by_squash.get(squash(column))
        if header is None:
            raise ParseError(f"--map {column}={field_name}: the file has no column `{column}`")
        columns = {f: h for f, h in columns.items() if h != header}
        columns[mapped] = header
    return LeadColumns(columns)


@dataclass(frozen=True)
class LeadRow:
    """A row read and checked: the lead's values and its moments."""

    external_id: str
    values: dict[str, object]
    owner: tuple[str, str]  # name, email
    steps: list[tuple[datetime, str]]  # (moment, status) in order
    reason: str | None
    converted_deal: str | None
    status: str
    inferred: list[str] = field(default_factory=list)  # what a flag says of each
    guessed: frozenset[str] = frozenset()  # the steps whose moment was inferred


STEP_FIELDS = (("mql", "MQL"), ("accepted", "accepted"), ("rejected", "rejected"))
# The lead's values a row leaves as they are when it has no column for them (the moments
# and reason may have come from LeadHistory or a button in Slack).
KEPT_WITHOUT_COLUMN = {
    "company": ("company",),
    "email": ("email",),
    "source": ("source",),
    "segment": ("segment",),
    "campaign_external_id": ("campaign",),
    "owner_id": ("owner", "owner_email"),
    "converted_deal_external_id": ("converted_deal",),
    "converted_deal_id": ("converted_deal",),
}
MOMENTS = ("mql_at", "accepted_at", "rejected_at", "converted_at", "rejection_reason")


def steps_of(
    created: datetime,
    mql: datetime | None,
    accepted: datetime | None,
    rejected: datetime | None,
    converted: datetime | None,
    inferred: Sequence[tuple[datetime, str]] = (),
) -> list[tuple[datetime, str]]:
    """A lead's steps in time order; the last is its status. Conversion ends a lead's
    way, whatever the time of day: Salesforce's ConvertedDate is a day, which may read as
    earlier than the acceptance the same day. `inferred` adds steps whose moment was
    taken from another column (a Status without its own date)."""
    steps = [(created, "Open")]
    steps += [
        (m, s) for m, s in ((mql, "MQL"), (accepted, "accepted"), (rejected, "rejected")) if m
    ]
    steps += [step for step in inferred if step not in steps]
    steps.sort(key=lambda step: step[0])
    return [*steps, (converted, "converted")] if converted else steps


def _moment(text: str, what: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return export_moment(text, zone)
    except ParseError as error:
        raise RowError(f"{what}: {error}") from None


def read_row(columns: LeadColumns, row: dict[str, str], zone: ZoneInfo, now: datetime) -> LeadRow:
    """The lead a row describes; raises RowError saying what is wrong with it."""
    external_id = columns.get(row, "id")
    if not external_id:
        raise RowError("no Id")
    name = columns.get(row, "name") or " ".join(
        part for part in (columns.get(row, "first_name"), columns.get(row, "last_name")) if part
    )
    if not name:
        raise RowError("no Name (or FirstName/LastName)")
    given_created = _moment(columns.get(row, "created"), "CreatedDate", zone)
    created = given_created or now
    moments = {
        step: _moment(columns.get(row, key), header, zone)
        for step, (key, header) in STATUS_MOMENTS.items()
    }
    inferred = _infer(columns, row, zone, moments, given_created)
    if moments["MQL"] is None:
        # Accepted or rejected with no MQL moment is no follow-up (as in LeadHistory): the
        # Status's step is kept, its moment counts in no SLA figure.
        moments.update({step: None for step in inferred if step != "converted"})
    mql, accepted, rejected = moments["MQL"], moments["accepted"], moments["rejected"]
    is_converted = columns.get(row, "converted").lower() in TRUE or "converted" in inferred
    converted = moments["converted"]
    if is_converted and converted is None:
        raise RowError("IsConverted without a ConvertedDate")
    is_converted = is_converted or converted is not None
    for moment, step in ((accepted, "accepted"), (rejected, "rejected")):
        what = STATUS_MOMENTS[step][1]
        if step in inferred:
            what += f" (taken from {inferred[step][0]})"
        if moment is not None and mql is None:
            raise RowError(f"{what} without an MQLDate: the SLA's clock needs the MQL moment")
        if moment is not None and mql is not None and moment < mql:
            raise RowError(f"{what} {moment.isoformat()} is before the MQLDate {mql.isoformat()}")
    if mql is not None and mql < created:
        raise RowError(f"MQLDate {mql.isoformat()} is before the CreatedDate {created.isoformat()}")
    reason = columns.get(row, "reason") or None
    # The Status's step with its inferred moment even where the SLA cannot count it.
    inferred_steps = [
        (moment, step)
        for step, (_, moment) in inferred.items()
        if moment is not None and step != "converted"
    ]
    steps = steps_of(
        created, mql, accepted, rejected, converted if is_converted else None, inferred_steps
    )
    values: dict[str, object] = {
        "name": name[:255],
        "company": columns.get(row, "company")[:255] or None,
        "email": columns.get(row, "email")[:255] or None,
        "source": columns.get(row, "source")[:128] or None,
        "segment": columns.get(row, "segment")[:128] or None,
        "campaign_external_id": columns.get(row, "campaign")[:64] or None,
        "created_at": created,
        "mql_at": mql,
        "accepted_at": accepted,
        "rejected_at": rejected,
        "converted_at": converted,
    }
    if rejected is None or reason:
        # A row with its reason gave its feedback at the rejection; a rejection without
        # one keeps whatever sales gave in Slack since (and waits for it otherwise).
        values["rejection_reason"] = reason if rejected else None
        values["feedback_at"] = rejected if reason else None
    owner = (columns.get(row, "owner"), columns.get(row, "owner_email"))
    deal = columns.get(row, "converted_deal")[:64] or None
    said = [
        f"{STATUS_MOMENTS[step][1]} taken from {header} (the Status names the step; the row "
        "has no moment for it)"
        for step, (header, _) in inferred.items()
    ]
    guessed = frozenset(inferred)
    return LeadRow(
        external_id[:64], values, owner, steps, reason, deal, steps[-1][1], said, guessed
    )


# Each step a Status can name: its moment's field and column.
STATUS_MOMENTS = {
    "MQL": ("mql", "MQLDate"),
    "accepted": ("accepted", "AcceptedDate"),
    "rejected": ("rejected", "RejectedDate"),
    "converted": ("converted_date", "ConvertedDate"),
}


def _infer(
    columns: LeadColumns,
    row: dict[str, str],
    zone: ZoneInfo,
    moments: dict[str, datetime | None],
    created: datetime | None,
) -> dict[str, tuple[str, datetime]]:
    """The moment of the step the row's Status names when the row gives it none, from the
    best column it has (LastModifiedDate, else CreatedDate), set in `moments`; by step,
    the column it came from and the moment. No date at all refuses the row."""
    status = columns.get(row, "status")
    step = STATUS_WORDS.get(status.lower())
    if step not in STATUS_MOMENTS or moments[step] is not None:
        return {}
    if step == "converted" and (
        columns.get(row, "converted").lower() in TRUE or moments["converted"] is not None
    ):
        return {}
    modified = _moment(columns.get(row, "modified"), "LastModifiedDate", zone)
    found = (modified, "LastModifiedDate") if modified else (created, "CreatedDate")
    moment, header = found
    if moment is None:
        own = STATUS_MOMENTS[step][1]
        raise RowError(
            f"the Status `{status}` needs its moment and the row has no {own}, "
            f"LastModifiedDate or CreatedDate: add one of them (or name yours: "
            f"--map YourColumn={own})"
        )
    moments[step] = moment
    return {step: (header, moment)}


def import_leads(
    env: Env,
    actor: Actor,
    path: Path,
    *,
    column_map: dict[str, str] | None = None,
    dry_run: bool = False,
    **_ignored: object,
) -> ImportReport:
    """Load a Lead export in batches, each its own transaction (a crash loses at most the
    batch under way; loading the file again finishes the job)."""
    report = ImportReport(dry_run=dry_run)
    headers = _headers(path)
    columns = lead_columns(headers, column_map or {})
    if "id" not in columns.columns:
        raise ParseError("the file has no Id column (or map one: --map LeadNumber=Id)")
    batch: list[tuple[int, Record]] = []

    def flush() -> None:
        part = run_job(env, lambda s, now: load_leads(s, actor, columns, batch, now, dry_run))
        report.absorb(part)
        batch.clear()

    for line, _h, row in records(path):
        report.rows += 1
        batch.append((line, row))
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    return report


def _headers(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def load_leads(
    session: Session,
    actor: Actor,
    columns: LeadColumns,
    batch: list[tuple[int, Record]],
    now: datetime,
    dry_run: bool,
) -> ImportReport:
    """Upsert the rows' leads by Id; what they leave out stays as it was."""
    report = ImportReport(dry_run=dry_run)
    workspace = ensure_workspace(session, actor, now)
    zone = ZoneInfo(workspace.timezone)
    read: list[tuple[int, LeadRow]] = []
    for line, row in batch:
        if isinstance(row, Unreadable):
            report.bad.append((line, row.reason))
            continue
        try:
            read.append((line, read_row(columns, row, zone, now)))
        except RowError as error:
            report.bad.append((line, str(error)))
    existing = store_leads.leads_by_external_ids(
        session, workspace.id, [r.external_id for _, r in read]
    )
    deals = store_deals.deals_by_external_ids(
        session, workspace.id, [r.converted_deal for _, r in read if r.converted_deal]
    )
    owners = _Owners(session, workspace, now)
    fresh: dict[str, Lead] = {}  # made in this batch, their steps still to keep
    rows_of: dict[str, LeadRow] = {}
    kept = {
        name
        for name, fields in KEPT_WITHOUT_COLUMN.items()
        if not any(f in columns.columns for f in fields)
    }
    for line, lead_row in read:
        owner = owners.find(*lead_row.owner)
        if owner is None:
            report.flag(line, "no owner (Owner.Name or Owner.Email): not handed off")
        for said in lead_row.inferred:
            report.flag(line, said)
        if lead_row.values["mql_at"] is None and lead_row.status != "Open":
            report.flag(line, "no MQLDate: not in the SLA's figures")
        deal = deals.get(lead_row.converted_deal or "")
        if lead_row.converted_deal and deal is None:
            report.flag(line, "ConvertedOpportunityId not imported yet: no won figure")
        values = {
            **lead_row.values,
            "owner_id": owner.id if owner else None,
            "converted_deal_external_id": lead_row.converted_deal,
            "converted_deal_id": deal.id if deal else None,
        }
        if dry_run:
            report.created += lead_row.external_id not in existing
            continue
        lead = existing.get(lead_row.external_id)
        _with_guesses(lead, values, lead_row)
        if lead is None:
            lead = Lead(
                workspace_id=workspace.id,
                external_id=lead_row.external_id,
                status="Open",
                fields={},
                updated_at=now,
                **values,
            )
            session.add(lead)
            existing[lead_row.external_id] = fresh[lead_row.external_id] = lead
            rows_of[lead_row.external_id] = lead_row
            report.created += 1
            continue
        if lead_row.external_id in fresh:  # the same Id again in the batch
            _first_steps(session, fresh.pop(lead_row.external_id), rows_of[lead_row.external_id])
        given = {k: v for k, v in values.items() if k not in kept}
        if _update(session, lead, given, now, lead_row):
            report.changed += 1
        else:
            report.unchanged += 1
    for external_id, lead in fresh.items():
        _first_steps(session, lead, rows_of[external_id])
    return report


def _first_steps(session: Session, lead: Lead, row: LeadRow) -> None:
    """A new lead's steps, kept once it has its id (the batch's new leads are inserted
    together, at the first of these)."""
    if lead.id is None:
        session.flush()
    for position, (moment, status) in enumerate(row.steps):
        reason = row.reason if status == "rejected" else None
        via = GUESS_VIA if status in row.guessed else VIA
        store_leads.record_change(
            session, lead, status, at=moment, via=via, reason=reason, first=position == 0
        )


def _update(
    session: Session, lead: Lead, values: dict[str, object], now: datetime, row: LeadRow
) -> bool:
    """A moment the row does not give keeps the one known; the status follows the moments
    (and the step the row's Status names, where its moment was guessed)."""
    changed = {
        k: v
        for k, v in values.items()
        if getattr(lead, k) != v and not (v is None and k in MOMENTS)
    }
    for name, value in changed.items():
        setattr(lead, name, value)
    guesses = [step for step in row.steps if step[1] in row.guessed]
    steps = steps_of(
        lead.created_at,
        lead.mql_at,
        lead.accepted_at,
        lead.rejected_at,
        lead.converted_at,
        guesses,
    )
    moment, status = steps[-1]
    if not changed and lead.status == status:
        return False
    if lead.status != status:
        reason = lead.rejection_reason if status == "rejected" else None
        via = GUESS_VIA if status in row.guessed else VIA
        store_leads.record_change(session, lead, status, at=moment, via=via, reason=reason)
    lead.updated_at = now
    return True


class _Owners:
    """Owners by name or email, found once per batch; someone new is added as a rep, as
    the deal import does, so their leads have an owner to go to once they join Slack."""

    def __init__(self, session: Session, workspace: Workspace, now: datetime) -> None:
        self.session, self.workspace, self.now = session, workspace, now
        self.found: dict[str, Person | None] = {}

    def find(self, name: str, email: str) -> Person | None:
        key = (email or name).lower()
        if not key:
            return None
        if key not in self.found:
            ws = self.workspace.id
            matches = people.people_by_name(self.session, ws, email) if email else []
            matches = matches or (people.people_by_name(self.session, ws, name) if name else [])
            self.found[key] = matches[0] if matches else self._add(name, email)
        return self.found[key]

    def _add(self, name: str, email: str) -> Person:
        return people.add_person(
            self.session,
            self.workspace.id,
            display_name=name or email,
            slack_user_id=None,
            role="rep",
            now=self.now,
            email=email or None,
        )


# What orgs call each step in a Lead's Status picklist (lower case, `--status-map` adds).
STATUS_WORDS = {
    "mql": "MQL",
    "marketing qualified": "MQL",
    "marketing qualified lead": "MQL",
    "accepted": "accepted",
    "sales accepted": "accepted",
    "sal": "accepted",
    "working": "accepted",
    "working - contacted": "accepted",
    "rejected": "rejected",
    "unqualified": "rejected",
    "disqualified": "rejected",
    "closed - not converted": "rejected",
    "converted": "converted",
    "closed - converted": "converted",
    "open": "Open",
    "open - not contacted": "Open",
}
MOMENT_OF = {"MQL": "mql_at", "accepted": "accepted_at", "rejected": "rejected_at"}
GUESSED_AT = {**MOMENT_OF, "converted": "converted_at"}


def guessed_of(lead: Lead) -> set[str]:
    return set(filter(None, (lead.guessed_steps or "").split(",")))


def _with_guesses(lead: Lead | None, values: dict[str, object], row: LeadRow) -> None:
    """A guessed moment never replaces a known one (exact, or guessed before from an
    earlier LastModifiedDate); the lead remembers which of its moments are guesses."""
    guessed = guessed_of(lead) if lead is not None else set()
    for step in row.guessed:
        if lead is not None and getattr(lead, GUESSED_AT[step]) is not None:
            values.pop(GUESSED_AT[step], None)
        elif values.get(GUESSED_AT[step]) is not None:
            guessed.add(step)
    values["guessed_steps"] = ",".join(sorted(guessed)) or None


def import_lead_history(
    env: Env,
    actor: Actor,
    path: Path,
    *,
    status_map: dict[str, str] | None = None,
    dry_run: bool = False,
    **_ignored: object,
) -> ImportReport:
    """The status moments of already imported leads from a LeadHistory export (`LeadId`,
    `CreatedDate`, `Field`, `OldValue`, `NewValue`): the first change to an MQL status
    sets the MQL moment, the first acceptance or rejection after it its moment, unless the
    Lead export gave one. Rows of other fields are skipped; a status no step matches is
    listed (`--status-map 'Their status=MQL'`, kept for the next imports and the sync)."""
    given: dict[str, str] = {}
    for theirs, ours in (status_map or {}).items():
        if ours not in (*MOMENT_OF, "converted", "Open"):
            raise ParseError(f"--status-map {theirs}={ours}: `{ours}` is MQL, accepted or rejected")
        given[theirs.strip().lower()] = ours
    report = ImportReport(dry_run=dry_run)
    rows: list[tuple[int, Record]] = []
    for line, _h, row in records(path):
        report.rows += 1
        rows.append((line, row))

    def words_of(session: Session, now: datetime) -> dict[str, str]:
        workspace = ensure_workspace(session, actor, now)
        if not dry_run:
            import_maps.save_map(session, workspace.id, import_maps.LEAD_STATUSES, given, now)
        return status_words(session, workspace.id)

    words = run_job(env, words_of)
    for first in range(0, len(rows), BATCH):
        part = partial(
            load_lead_history, actor, rows[first : first + BATCH], words, dry_run=dry_run
        )
        report.absorb(run_job(env, part))
    return report


def status_words(session: Session, workspace_id: str) -> dict[str, str]:
    """Each Lead Status (lower case) and the step it is: Salesforce's defaults and the
    usual names, then what `--status-map` said for this workspace."""
    saved = import_maps.saved_map(session, workspace_id, import_maps.LEAD_STATUSES)
    return {**STATUS_WORDS, **saved}


def load_lead_history(
    actor: Actor,
    batch: list[tuple[int, Record]],
    words: dict[str, str],
    session: Session,
    now: datetime,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """The status moments LeadHistory rows give leads already loaded."""
    report = ImportReport(dry_run=dry_run)
    workspace = ensure_workspace(session, actor, now)
    zone = ZoneInfo(workspace.timezone)
    steps: list[tuple[int, str, datetime, str]] = []
    for line, row in batch:
        if isinstance(row, Unreadable):
            report.bad.append((line, row.reason))
            continue
        columns = {squash(k): (v or "").strip() for k, v in row.items() if k is not None}
        if squash(columns.get("field", "")) not in ("status", "leadstatus"):
            report.unchanged += 1
            continue
        lead_id, value = columns.get("leadid", ""), columns.get("newvalue", "")
        try:
            moment = _moment(columns.get("createddate", ""), "CreatedDate", zone)
        except RowError as error:
            report.bad.append((line, str(error)))
            continue
        if not lead_id or moment is None:
            report.bad.append((line, "no LeadId" if not lead_id else "no CreatedDate"))
            continue
        status = words.get(value.lower())
        if status is None:
            report.bad.append((line, f"status `{value}` is no step (--status-map '{value}=MQL')"))
            continue
        steps.append((line, lead_id, moment, status))
    leads = store_leads.leads_by_external_ids(session, workspace.id, [s[1] for s in steps])
    for line, lead_id, moment, status in sorted(steps, key=lambda s: s[2]):
        lead = leads.get(lead_id)
        if lead is None:
            report.bad.append((line, f"no lead `{lead_id}` (import the Lead export first)"))
            continue
        column = MOMENT_OF.get(status)
        guessed = guessed_of(lead)
        if column is None or (getattr(lead, column) is not None and status not in guessed):
            report.unchanged += 1
            continue
        if status != "MQL" and (lead.mql_at is None or moment < lead.mql_at):
            report.flag(line, "accepted or rejected before any MQL moment: not a follow-up")
            report.unchanged += 1
            continue
        report.changed += 1
        if not dry_run:
            setattr(lead, column, moment)
            lead.guessed_steps = ",".join(sorted(guessed - {status})) or None
            # The exact moment replaces the guessed step in the lead's changes too.
            if not store_leads.confirm_changes(
                session, lead, status, at=moment, guessed=GUESS_VIA, via="history"
            ):
                store_leads.record_change(session, lead, status, at=moment, via="history")
            # A later step known before (a conversion) stays the lead's status.
            lead.status = steps_of(
                lead.created_at, lead.mql_at, lead.accepted_at, lead.rejected_at, lead.converted_at
            )[-1][1]
            lead.updated_at = now
    return report
