"""`council import deals` and `council import history`: CRM exports into the store.

Rows load in batches, each in its own transaction: a crash loses at most the batch under
way, and running the same file again finishes the job, since rows already loaded are
recognised by their CRM id and change nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from commands import import_files
from commands.context import Actor, Env
from commands.import_columns import (
    ColumnMap,
    export_category,
    export_day,
    export_moment,
    has_time,
    squash,
)
from commands.import_columns import map_columns as read_columns
from commands.import_files import Cells, Unreadable, headers_of, records
from commands.import_stages import spec_of, stage_from_row, with_new
from commands.parsing import ParseError, parse_amount
from commands.periods import midnight
from commands.workspace import DIMENSIONS, ensure_workspace, local_today
from store import campaigns, import_maps, people, workspaces
from store import deals as store_deals
from store.deals import NewDeal
from store.models import STATE_FIELDS, Deal, DealVersion, Person, Workspace
from store.types import CENT
from store.workspaces import StageSpec

BATCH = 2000
# Read once: an ORM attribute's type is costly to reach 100,000 times.
NAME_LIMIT: int | None = Person.__table__.c.display_name.type.length  # type: ignore[attr-defined]
EMAIL_LIMIT: int | None = Person.__table__.c.email.type.length  # type: ignore[attr-defined]
UNASSIGNED = "Unassigned (import)"
IMPORT = "import"
HISTORY = "history"
GONE = "gone"  # a rebuild's mark: the deal was out of the pipeline from here
Progress = Callable[[int], None]
# A row to load: a file's cells by position, or a record by header (the Salesforce sync).
Row = Cells | dict[str, str]
Numbered = tuple[int, Row | Unreadable, int]  # line, row, occurrence (see _batches)


@dataclass
class ImportReport:
    """What an import did: counts, rows refused with why, and rows loaded with a flag."""

    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    flags: Counter[str] = field(default_factory=Counter)
    flag_lines: dict[str, list[int]] = field(default_factory=dict)
    unknown_stages: Counter[str] = field(default_factory=Counter)
    new_stages: list[StageSpec] = field(default_factory=list)
    dry_run: bool = False

    def absorb(self, part: ImportReport) -> None:
        """Add what one batch did (counted apart, so a batch the store refused adds
        nothing)."""
        self.created += part.created
        self.changed += part.changed
        self.unchanged += part.unchanged
        self.bad.extend(part.bad)
        self.unknown_stages.update(part.unknown_stages)
        self.new_stages.extend(part.new_stages)
        for what, count in part.flags.items():
            self.flags[what] += count
            lines = self.flag_lines.setdefault(what, [])
            lines.extend(part.flag_lines.get(what, [])[: max(0, 5 - len(lines))])

    def flag(self, line: int, what: str) -> None:
        self.flags[what] += 1
        self.flag_lines.setdefault(what, [])
        if len(self.flag_lines[what]) < 5:
            self.flag_lines[what].append(line)


class RowError(ValueError):
    """This row cannot be loaded; the message says why."""


@dataclass
class _Stages:
    """The workspace's stages and the stage map, to read what exports call a stage."""

    stages: list[StageSpec]
    mapping: dict[str, str]
    saved: dict[str, str] = field(default_factory=dict)  # kept from earlier imports

    def __post_init__(self) -> None:
        names = {s.name: s for s in self.stages}
        # A kept entry whose stage was since removed is no longer meant.
        mapping = {k: v for k, v in self.saved.items() if v in names} | self.mapping
        for theirs, ours in list(mapping.items()):
            if ours not in names:
                matches = [s for s in self.stages if squash(s.name) == squash(ours)]
                if len(matches) != 1:
                    listed = ", ".join(names)
                    raise ParseError(
                        f"--stage-map {theirs}={ours}: `{ours}` is not a stage ({listed})"
                    )
                mapping[theirs] = matches[0].name
        self.mapping = {k: mapping[k] for k in self.mapping}
        self.first_open = next(s for s in self.stages if s.status == "open")
        # Exports say `Closed/Won`, `closed won`, or just `Won` and `Lost`.
        by_word: dict[str, list[StageSpec]] = {}
        for stage in self.stages:
            for word in stage.name.split()[1:]:
                by_word.setdefault(squash(word), []).append(stage)
        self.by_squash = {k: v[0] for k, v in by_word.items() if len(v) == 1}
        self.by_squash |= {squash(s.name): s for s in self.stages}
        self.by_squash |= {squash(k): names[v] for k, v in mapping.items()}
        self.by_text: dict[str, StageSpec] = {}

    def read(self, text: str) -> StageSpec:
        stage = self.by_text.get(text)
        if stage is None:
            stage = self.by_squash.get(squash(text)) if text else None
            if stage is None:
                raise RowError(f"unknown stage `{text}`" if text else "no stage")
            self.by_text[text] = stage  # an export spells each stage one way, 100,000 times
        return stage

    def knows(self, text: str) -> bool:
        return squash(text) in self.by_squash


@dataclass
class _Known:
    """What earlier batches of the same file learnt (stages, owners, dimension values),
    kept so each batch does not ask again. Forgotten when a batch is rolled back, since
    what it added went with it."""

    stage_map: dict[str, str]
    new_stages: bool
    stages: _Stages | None = None
    owners: dict[str, int] | None = None
    regions: dict[int, str] = field(default_factory=dict)  # owner id -> their region
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    campaign_ids: dict[str, int] | None = None  # CampaignId -> the campaign's id here

    def forget(self) -> None:
        self.stages, self.owners, self.values, self.campaign_ids = None, None, {}, None


@dataclass
class _Context:
    """What rows are read against: the workspace, its stages, people and values."""

    session: Session
    workspace: Workspace
    zone: ZoneInfo
    known: _Known
    today: date
    now: datetime

    def campaign(self, external_id: str, line: int, report: ImportReport) -> int | None:
        """The campaign an Opportunity's CampaignId names; one not imported yet is flagged
        and the deal loads without it."""
        if not external_id:
            return None
        if self.known.campaign_ids is None:
            self.known.campaign_ids = campaigns.ids_by_external_id(self.session, self.workspace.id)
        found = self.known.campaign_ids.get(external_id)
        if found is None:
            report.flag(line, "campaign not imported yet: loaded without one")
        return found

    @property
    def stages(self) -> _Stages:
        if self.known.stages is None:
            self.known.stages = _Stages(
                [spec_of(s) for s in workspaces.list_stages(self.session, self.workspace.id)],
                dict(self.known.stage_map),
                import_maps.saved_map(self.session, self.workspace.id, import_maps.STAGES),
            )
        return self.known.stages

    def adopt(self, specs: list[StageSpec], report: ImportReport) -> None:
        """Add stages the file uses and the workspace lacks, each slotted where it belongs."""
        merged = with_new(self.stages.stages, specs)
        workspaces.adopt_stages(self.session, self.workspace.id, merged)
        report.new_stages.extend(specs)
        self.known.stages = None

    def _owners(self) -> dict[str, int]:
        if self.known.owners is None:
            # Everyone once per file: by CRM user id, email and name (first one wins).
            owners: dict[str, int] = {}
            for person in reversed(people.list_people(self.session, self.workspace.id)):
                owners[f"name:{person.display_name.lower()}"] = person.id
                if person.email:
                    owners[f"email:{person.email.lower()}"] = person.id
            for person in people.list_people(self.session, self.workspace.id):
                if person.salesforce_id:
                    owners.setdefault(f"sf:{person.salesforce_id}", person.id)
                if person.region:
                    self.known.regions[person.id] = person.region
            self.known.owners = owners
        return self.known.owners

    def owner(self, name: str, email: str, crm_id: str = "") -> int:
        """The owner's id: by CRM user id, else email, else name; a new person otherwise."""
        owners = self._owners()
        seen = owners.get(f"row:{crm_id}\x1f{email}\x1f{name}")
        if seen is not None:
            return seen  # the same owner cells as a row before: one lookup
        keys = [f"sf:{crm_id}"] if crm_id else []
        keys += [f"email:{email.lower()}"] if email else []
        keys += [f"name:{name.lower()}"] if name else []
        keys = keys or [f"name:{UNASSIGNED.lower()}"]
        found = next((owners[key] for key in keys if key in owners), None)
        if found is None:
            shown = name or email or (f"Salesforce user {crm_id}" if crm_id else UNASSIGNED)
            found = people.add_person(
                self.session,
                self.workspace.id,
                display_name=shown,
                slack_user_id=None,
                role="rep",
                now=self.now,
                email=email or None,
                salesforce_id=crm_id or None,
            ).id
        for key in keys:
            owners.setdefault(key, found)
        owners[f"row:{crm_id}\x1f{email}\x1f{name}"] = found
        return found

    def dimension(self, dimension: str, value: str) -> str | None:
        if not value:
            return None
        known = self.known.values.get(dimension)
        if known is None:
            listed = workspaces.list_dimension_values(self.session, self.workspace.id, dimension)
            known = self.known.values[dimension] = {v.lower(): v for v in listed}
        found = known.get(value)  # the text as a row before wrote it: no lowering
        if found is None:
            if value.lower() not in known:
                workspaces.add_dimension_value(self.session, self.workspace.id, dimension, value)
                known[value.lower()] = value
            found = known[value] = known[value.lower()]
        return found


def _batches(path: Path, size: int, columns: ColumnMap) -> Iterator[list[Numbered]]:
    """The file's rows in batches, each with how many rows without an Id before it had
    the same name and account (1 for the first), which tells such rows apart."""
    batch: list[Numbered] = []
    seen: Counter[tuple[str, str]] = Counter()
    for line, _headers, row in import_files.rows(path):
        occurrence = 1
        if not isinstance(row, Unreadable) and not columns.get(row, "external_id"):
            key = (columns.get(row, "name"), columns.get(row, "account"))
            seen[key] += 1
            occurrence = seen[key]
        batch.append((line, row, occurrence))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _with_saved(
    env: Env, actor: Actor, headers: list[str], column_map: dict[str, str]
) -> dict[str, str]:
    """The column map kept from earlier imports, for the columns this file has, with the
    one given now winning."""
    with env.db.transaction() as session:
        workspace = ensure_workspace(session, actor, env.now())
        saved = import_maps.saved_map(session, workspace.id, import_maps.COLUMNS)
    present = {squash(h) for h in headers}
    given = {squash(k) for k in column_map}
    kept = {k: v for k, v in saved.items() if squash(k) in present and squash(k) not in given}
    return kept | column_map


def _save_maps(
    env: Env, actor: Actor, column_map: dict[str, str], stage_map: dict[str, str]
) -> None:
    """Keep the maps given, so later imports (and the history import) need none."""
    if not column_map and not stage_map:
        return
    with env.db.transaction() as session:
        now = env.now()
        workspace = ensure_workspace(session, actor, now)
        stages = [spec_of(s) for s in workspaces.list_stages(session, workspace.id)]
        resolved = _Stages(stages, dict(stage_map)).mapping
        import_maps.save_map(session, workspace.id, import_maps.COLUMNS, column_map, now)
        import_maps.save_map(session, workspace.id, import_maps.STAGES, resolved, now)


# An amount as exports write it (`4151.02`): read as it is, every other form as people
# write amounts (`$1.2M`, `120k`).
_PLAIN_AMOUNT = re.compile(r"\d{1,13}(?:\.\d{1,2})?")


def _amount(text: str) -> Decimal | None:
    if not text:
        return None
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text).quantize(CENT)
    try:
        return parse_amount(text)
    except ParseError as error:
        raise RowError(str(error)) from None


def _date_or_none(text: str, what: str, zone: ZoneInfo) -> date | None:
    """The date a cell means in the workspace's zone (a timestamp is converted first)."""
    if not text:
        return None
    try:
        return export_day(text, zone)
    except ParseError as error:
        raise RowError(f"{what}: {error}") from None


def _moment_or_none(text: str, what: str, zone: ZoneInfo) -> datetime | None:
    """The moment a timestamp cell gives; None for a bare date or nothing."""
    if not text or not has_time(text):
        return None
    try:
        return export_moment(text, zone)
    except ParseError as error:
        raise RowError(f"{what}: {error}") from None


def _fits(text: str, limit: int | None, what: str) -> None:
    """Refuse the row when `text` is longer than the store's column (PostgreSQL would
    refuse the whole batch with it; SQLite would keep it whole)."""
    if limit is not None and len(text) > limit:
        raise RowError(f"{what} is {len(text):,} characters long; at most {limit:,} fit")


def _external_id(fields: dict[str, str], occurrence: int) -> str:
    given = fields["external_id"]
    if given:
        return given[:64]
    # Without a CRM id, the name, account and how many rows of the file had them before
    # identify the row: a second run of the same file finds what the first one loaded, and
    # two deals of the same name stay two (never merged into one, losing an amount).
    key = f"{fields['name']}\x1f{fields['account']}"
    if occurrence > 1:
        key += f"\x1f{occurrence}"
    return "row:" + hashlib.sha1(key.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class _Row:
    line: int
    external_id: str
    state: dict[str, Any]
    created_given: bool
    created_at: datetime | None  # when the export gives a timestamp, not only a date
    modified_at: datetime | None  # LastModifiedDate: when these values took effect


def _read_row(
    ctx: _Context,
    columns: ColumnMap,
    line: int,
    row: Row,
    report: ImportReport,
    occurrence: int = 1,
) -> _Row:
    """A row as the deal's state now; raises RowError when it cannot be loaded."""
    f = columns.fields(row)
    name = f["name"]
    if "name" not in columns.columns:
        # An export without names (Maven's, say): account, product and CRM id name the deal.
        parts = [f["account"], f["product"]]
        name = " · ".join(p for p in parts if p) + f" ({f['external_id']})"
    if not name:
        raise RowError("no name")
    stage_text = f["stage"]
    try:
        stage = ctx.stages.read(stage_text)
    except RowError:
        if stage_text:
            report.unknown_stages[stage_text] += 1
        raise
    amount = _amount(f["amount"])
    if amount is not None and amount < 0:
        raise RowError("negative amount")
    close = _date_or_none(f["close"], "close date", ctx.zone)
    created = _date_or_none(f["created"], "created date", ctx.zone)
    created_at = _moment_or_none(f["created"], "created date", ctx.zone)
    modified_at = _moment_or_none(f["modified"], "last modified", ctx.zone)
    created_given = created is not None
    if created is None:
        created = ctx.today
        report.flag(line, "no created date: taken as the import date")
    if stage.status == "open":
        if amount is None:
            report.flag(line, "open deal without an amount")
        if close is None:
            report.flag(line, "open deal without a close date")
    elif close is None:
        close = created
        report.flag(line, "closed deal without a close date: taken as its created date")
    category, explicit = stage.category, False
    given_category = f["category"]
    if given_category and stage.status == "open":
        read = export_category(given_category)
        if read is None or read == "Closed":
            report.flag(line, "forecast category not understood: it follows the stage")
        elif read != stage.category:
            category, explicit = read, True
    owner_name, owner_email = f["owner"], f["owner_email"]
    _fits(owner_name, NAME_LIMIT, "owner name")
    _fits(owner_email, EMAIL_LIMIT, "owner email")
    owner_id = ctx.owner(owner_name, owner_email, f["owner_id"][:32])
    state: dict[str, Any] = {
        "name": name[:255],
        "account": f["account"][:255] or None,
        "owner_id": owner_id,
        "stage": stage.name,
        "status": stage.status,
        "amount": amount,
        "close_date": close,
        "created_date": created,
        "next_step": f["next"][:1000] or None,
        "forecast_category": category,
        "category_is_explicit": explicit,
    }
    for dimension in DIMENSIONS:
        state[dimension] = ctx.dimension(dimension, f[dimension][:128])
    if "region" not in columns.columns and owner_id in ctx.known.regions:
        # An export without regions (Maven's): the owner's, from `council import people`.
        state["region"] = ctx.dimension("region", ctx.known.regions[owner_id])
    if "campaign" in columns.columns:
        state["campaign_id"] = ctx.campaign(f["campaign"], line, report)
    external_id = _external_id(f, occurrence)
    return _Row(line, external_id, state, created_given, created_at, modified_at)


def assumed_history(
    ctx: _Context,
    state: dict[str, Any],
    line: int,
    report: ImportReport,
    created_at: datetime | None = None,
) -> list[tuple[datetime, dict[str, Any]]]:
    """A deal without history: open in the Pipeline category from the moment it was created
    (the start of its created date when only the date is known) with its current amount and
    close date, and as it is now from its close date if it is closed."""
    created_at = created_at or midnight(state["created_date"], ctx.zone)
    if state["status"] == "open":
        return [(created_at, state)]
    close_at = midnight(state["close_date"], ctx.zone)
    if close_at < created_at:
        report.flag(line, "close date before created date: closed on its created date")
    if close_at <= created_at:
        return [(created_at, state)]
    first = ctx.stages.first_open
    opened = {
        **state,
        "stage": first.name,
        "status": "open",
        "forecast_category": "Pipeline",
        "category_is_explicit": False,
    }
    return [(created_at, opened), (close_at, state)]


def _context(session: Session, env: Env, actor: Actor, known: _Known) -> _Context:
    now = env.now()
    workspace = ensure_workspace(session, actor, now)
    zone = ZoneInfo(workspace.timezone)
    return _Context(session, workspace, zone, known, local_today(workspace, now), now)


def _adopt_unknown(
    ctx: _Context, columns: ColumnMap, rows: Sequence[Row], report: ImportReport
) -> None:
    """Add the stages these rows use that the workspace does not know, as the rows say
    they are (or as Salesforce's defaults are), unless told to refuse them."""
    if not ctx.known.new_stages:
        return
    specs: dict[str, StageSpec] = {}
    first_row: dict[str, Row] = {}
    for row in rows:
        first_row.setdefault(columns.get(row, "stage"), row)
    for text, row in first_row.items():
        if text and not ctx.stages.knows(text) and squash(text) not in specs:
            specs[squash(text)] = stage_from_row(columns, row, text)
    if specs:
        ctx.adopt(list(specs.values()), report)


def _load_batch(
    ctx: _Context,
    columns: ColumnMap,
    batch: Sequence[Numbered],
    report: ImportReport,
) -> None:
    readable = [row for _line, row, _n in batch if not isinstance(row, Unreadable)]
    _adopt_unknown(ctx, columns, readable, report)
    read: dict[str, _Row] = {}
    for line, row, occurrence in batch:
        if isinstance(row, Unreadable):
            report.bad.append((line, row.reason))
            continue
        try:
            found = _read_row(ctx, columns, line, row, report, occurrence)
        except RowError as error:
            report.bad.append((line, str(error)))
            continue
        if found.external_id in read:
            report.flag(line, "the same deal twice in the file: the later row wins")
        read[found.external_id] = found
    existing = store_deals.deals_by_external_ids(ctx.session, ctx.workspace.id, list(read))
    new: list[NewDeal] = []
    for external_id, found in read.items():
        deal = existing.get(external_id)
        if deal is None:
            states = assumed_history(ctx, found.state, found.line, report, found.created_at)
            new.append(NewDeal(external_id, states, None, IMPORT, found.modified_at))
            continue
        if deal.deleted_at is not None:
            # Out of the pipeline until Salesforce restores it (the sync sees that).
            report.flag(found.line, "deleted in Salesforce: left as it is")
            continue
        if found.modified_at is not None:
            deal.crm_modified_at = found.modified_at
        state = found.state
        if not found.created_given:
            state = {**state, "created_date": deal.created_date}
        changes = store_deals.change_deal(
            ctx.session, deal, state, by=None, source=IMPORT, at=ctx.now
        )
        if changes:
            report.changed += 1
        else:
            report.unchanged += 1
    store_deals.insert_deals(ctx.session, ctx.workspace.id, new)
    report.created += len(new)


def import_deals(
    env: Env,
    actor: Actor,
    path: Path,
    *,
    column_map: dict[str, str] | None = None,
    stage_map: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    new_stages: bool = True,
) -> ImportReport:
    """Upsert deals from an Opportunity export; raises ParseError for a bad mapping.
    Stages the workspace lacks are added as the file says they are (`new_stages`), or
    else its rows are refused; the maps given are kept for later imports."""
    report = ImportReport(dry_run=dry_run)
    headers = headers_of(path)
    columns = read_columns(headers, _with_saved(env, actor, headers, column_map or {}))
    if "name" not in columns.columns and "external_id" not in columns.columns:
        raise ParseError(
            "the file has neither a Name nor an Id column; name one with --map COLUMN=name"
        )
    if "stage" not in columns.columns:
        raise ParseError("the file has no StageName column; name it with --map COLUMN=stage")
    known = _Known(dict(stage_map or {}), new_stages)
    if dry_run:
        # One transaction, rolled back: the counts are exact and nothing is kept.
        with env.db.transaction(commit=False) as session:
            ctx = _context(session, env, actor, known)
            for batch in _batches(path, BATCH, columns):
                _load_batch(ctx, columns, batch, report)
                report.rows += len(batch)
                if progress:
                    progress(report.rows)
        return report
    next_statistics = BATCH
    for batch in _batches(path, BATCH, columns):
        _load_or_split(env, actor, known, columns, batch, report)
        if report.created >= next_statistics:
            with env.db.transaction() as session:
                store_deals.refresh_statistics(session)
            next_statistics *= 2  # a log(n) number of times over the whole load
        report.rows += len(batch)
        if progress:
            progress(report.rows)
    if report.created >= BATCH:
        env.db.tidy_after_load()
    _save_maps(env, actor, column_map or {}, stage_map or {})
    return report


def _load_or_split(
    env: Env,
    actor: Actor,
    known: _Known,
    columns: ColumnMap,
    batch: list[Numbered],
    report: ImportReport,
) -> None:
    """Load a batch in one transaction. When the store refuses it (a value no check here
    foresaw), load its halves apart, down to the one row refused: that row is listed and
    every other row of the batch still loads."""
    part = ImportReport()
    try:
        with env.db.transaction() as session:
            _load_batch(_context(session, env, actor, known), columns, batch, part)
    except DataError as error:
        known.forget()  # what the batch added to the store was rolled back
        if len(batch) == 1:
            reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
            report.bad.append((batch[0][0], f"the database refused it: {reason}"[:300]))
            return
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            _load_or_split(env, actor, known, columns, half, report)
        return
    report.absorb(part)


@dataclass(frozen=True)
class _Snapshot:
    line: int
    at: datetime
    row: dict[str, str]
    key: str  # the history row's own Id, or its deal and moment when it has none


def import_history(
    env: Env,
    actor: Actor,
    path: Path,
    *,
    stage_map: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    new_stages: bool = True,
) -> ImportReport:
    """Backfill deals' change history from an OpportunityHistory export, with the maps
    kept from earlier imports."""
    report = ImportReport(dry_run=dry_run)
    headers = headers_of(path)
    # A history row has an Id of its own; the deal's is OpportunityId.
    prefer = {"OpportunityId": "external_id"} if "opportunityid" in map(squash, headers) else {}
    columns = read_columns(headers, _with_saved(env, actor, headers, prefer))
    if "created" not in columns.columns or "external_id" not in columns.columns:
        raise ParseError("a history export needs OpportunityId and CreatedDate columns")
    with env.db.transaction() as session:
        zone = ZoneInfo(ensure_workspace(session, actor, env.now()).timezone)
    own_id = next((h for h in headers if squash(h) == "id"), None) if prefer else None
    by_deal: dict[str, list[_Snapshot]] = {}
    for line, _headers, row in records(path):
        report.rows += 1
        if isinstance(row, Unreadable):
            report.bad.append((line, row.reason))
            continue
        try:
            at = export_moment(columns.get(row, "created"), zone)
        except ParseError as error:
            report.bad.append((line, f"CreatedDate: {error}"))
            continue
        # Salesforce never changes a history row: its Id (else its moment) says it is known.
        row_id = (row.get(own_id) or "") if own_id else ""
        key = f"id:{row_id}"[:80] if row_id else f"at:{at.astimezone(UTC).isoformat()}"
        snapshot = _Snapshot(line, at, row, key)
        by_deal.setdefault(columns.get(row, "external_id"), []).append(snapshot)
    done = 0
    ids = sorted(by_deal)
    known = _Known(dict(stage_map or {}), new_stages)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with env.db.transaction(commit=not dry_run) as session:
            ctx = _context(session, env, actor, known)
            rows = [snap.row for external_id in chunk for snap in by_deal[external_id]]
            _adopt_unknown(ctx, columns, rows, report)
            deals = store_deals.deals_by_external_ids(session, ctx.workspace.id, chunk)
            for external_id in chunk:
                snapshots = by_deal[external_id]
                deal = deals.get(external_id)
                if deal is None:
                    for snap in snapshots:
                        report.bad.append(
                            (snap.line, f"no deal with Id `{external_id}`: import the deals first")
                        )
                    continue
                _rebuild(ctx, columns, deal, snapshots, report)
                done += len(snapshots)
        if dry_run:
            known.forget()  # the stages it added were rolled back
        if progress:
            progress(done)
    if not dry_run:
        _save_maps(env, actor, {}, stage_map or {})
    return report


# History exports track these; every other field is the deal's own.
TRACKED = ("stage", "status", "amount", "close_date", "forecast_category", "category_is_explicit")
# A version made from a field's own history row (Salesforce's OpportunityFieldHistory) is
# known by `fh:<our field>:<row Id>`: it set that one field.
FIELD_KEY = "fh:"


@dataclass(frozen=True)
class FieldChange:
    """One field's change from a field history row: `old` until `at`, `new` from then."""

    at: datetime
    key: str  # FIELD_KEY, our field, the row's Id
    field: str
    old: Any
    new: Any


def _order(key: str) -> int:
    """A field's change comes before a history row of the same moment, whichever of the
    two was read first, so the versions come out the same."""
    return 0 if key.startswith(FIELD_KEY) else 1


def _known_sets(version: DealVersion) -> dict[str, Any]:
    """What the history row a version came from set, read back from the version."""
    key = version.history_key or ""
    if key.startswith(FIELD_KEY):
        name = key.removeprefix(FIELD_KEY).partition(":")[0]
        return {name: getattr(version, name)}
    return {f: getattr(version, f) for f in TRACKED}


def _rebuild(
    ctx: _Context,
    columns: ColumnMap,
    deal: Deal,
    snapshots: list[_Snapshot],
    report: ImportReport,
    fields: Sequence[FieldChange] = (),
) -> None:
    """Add the file's history rows (and a field history's changes) to what is known of the
    deal and lay every version out again in time order: the rows already imported, these,
    the export's current values (at LastModifiedDate, never before the rows they follow)
    and every change people made, re-applied where it happened. A row imported before
    changes nothing, and the result does not depend on which rows came first. A deal
    deleted in Salesforce is left as it is: out of the pipeline since then."""
    if deal.deleted_at is not None:
        return
    versions = store_deals.versions_of(ctx.session, deal.id)
    known = {v.history_key: v for v in versions if v.history_key}
    rows = [s for s in sorted(snapshots, key=lambda s: (s.at, s.line)) if s.key not in known]
    changes = [c for c in fields if c.key not in known]
    report.unchanged += len(snapshots) - len(rows) + len(fields) - len(changes)
    fresh = [(snap, tracked) for snap in rows if (tracked := _tracked(ctx, columns, snap, report))]
    if not fresh and not changes:
        return
    report.changed += len(fresh) + len(changes)
    # (moment, order at the same moment, what it sets, by, source, history key)
    entries: list[tuple[datetime, int, dict[str, Any], int | None, str, str | None]] = [
        (v.valid_from, _order(key), _known_sets(v), None, HISTORY, key) for key, v in known.items()
    ]
    entries += [(snap.at, 1, tracked, None, HISTORY, snap.key) for snap, tracked in fresh]
    entries += [(c.at, _order(c.key), {c.field: c.new}, None, HISTORY, c.key) for c in changes]
    last_history = max(entry[0] for entry in entries)
    exported = [v for v in versions if v.change_source == IMPORT]
    if exported:
        # The export's values as they are now: in force from LastModifiedDate, and never
        # before the history rows they follow.
        latest = exported[-1]
        at = deal.crm_modified_at or max(latest.valid_from, last_history + timedelta(seconds=1))
        state = {f: getattr(latest, f) for f in STATE_FIELDS}
        entries.append((max(at, last_history), 2, state, None, IMPORT, None))
    for v in versions:
        if v.change_source not in (IMPORT, HISTORY) and v.changes:
            made = {f: store_deals.plain_value(f, new) for f, (_old, new) in v.changes.items()}
            entries.append((v.valid_from, 3, made, v.changed_by_id, v.change_source, None))
    for v, after in pairwise(versions):
        if v.valid_to is not None and v.valid_to < after.valid_from:
            # Out of the pipeline between the two (deleted in Salesforce, then restored):
            # it stays so.
            entries.append((v.valid_to, 4, {}, None, GONE, None))
            entries.append((after.valid_from, 4, {}, None, after.change_source, None))
    entries.sort(key=lambda e: (e[0], e[1]))
    created_at = versions[0].valid_from
    state = {f: getattr(versions[0], f) for f in STATE_FIELDS}
    for change in sorted(changes, key=lambda c: c.at, reverse=True):
        # Before a field's first change it held that change's old value.
        prefix = f"{FIELD_KEY}{change.field}:"
        if not any(k.startswith(prefix) and v.valid_from < change.at for k, v in known.items()):
            state[change.field] = change.old
    steps: list[store_deals.Step] = []
    for at, order, sets, by, source, key in entries:
        if "close_date" in sets and sets["close_date"] is None and source == HISTORY:
            sets = {**sets, "close_date": state["close_date"]}  # a blank close keeps it
        before, state = state, {**state, **sets}
        if not steps and at > created_at:
            # The deal exists from the moment it was created, in its first row's state (or,
            # when that is a field's change, with the field's old value).
            steps.append(store_deals.Step(created_at, before if order == 0 else state, by, source))
        # Rows of the same moment each keep a version (all but the last valid for no time),
        # so each stays known by its key.
        steps.append(store_deals.Step(at, state, by, source, key, gone=source == GONE))
    store_deals.rewrite_history(ctx.session, deal, steps)


def _tracked(
    ctx: _Context, columns: ColumnMap, snap: _Snapshot, report: ImportReport
) -> dict[str, Any] | None:
    """What one history row says of the tracked fields; None (listed) when unreadable. A
    blank amount is no amount then; a blank close date keeps the one before."""
    stage_text = columns.get(snap.row, "stage")
    try:
        stage = ctx.stages.read(stage_text)
        amount = _amount(columns.get(snap.row, "amount"))
        close = _date_or_none(columns.get(snap.row, "close"), "close date", ctx.zone)
    except RowError as error:
        if str(error).startswith("unknown stage"):
            report.unknown_stages[stage_text] += 1
        report.bad.append((snap.line, str(error)))
        return None
    category = export_category(columns.get(snap.row, "category")) or stage.category
    if stage.status != "open":
        category = stage.category
    return {
        "stage": stage.name,
        "status": stage.status,
        "amount": amount,
        "close_date": close,
        "forecast_category": category,
        "category_is_explicit": category != stage.category,
    }
