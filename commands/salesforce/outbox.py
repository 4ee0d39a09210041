"""Writing changes made here back to Salesforce.

A change to a deal that came from Salesforce (its CRM id is an Opportunity Id and the
workspace has an org connected) records an outbox row in the change's own transaction
(`record_change`, called by `commands/deals/changes.py`). `deliver` sends the rows: it
reads the Opportunity first, and when someone changed one of the same fields there since
the council last read it, it writes nothing and tells the rep both values with a choice
(`SF_KEEP_THEIRS`, `SF_WRITE_MINE`); when Salesforce refuses the write (a validation
rule, a required field, a picklist value), the rep is told in plain words and the deal
here follows Salesforce's values. Delivery is at least once: a row is marked sent only
after Salesforce took it, and writing the same values again changes nothing there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from commands.context import Env
from commands.import_columns import export_category
from commands.salesforce.org import Org, OrgError, OrgLimit, OrgNotFound, OrgUnavailable, Record
from commands.salesforce.results import WriteBackNotice
from commands.salesforce.sync import dimension_fields, sf_moment
from commands.workspace import DIMENSIONS
from store import deals as store_deals
from store import people, workspaces
from store import salesforce as store_sf
from store.models import Deal, SalesforceOutbox

# Our fields and the Opportunity's; the mapped dimensions are added per workspace.
FIELDS = {
    "stage": "StageName",
    "amount": "Amount",
    "close_date": "CloseDate",
    "next_step": "NextStep",
    "forecast_category": "ForecastCategoryName",
}
LABELS = {
    "StageName": "Stage",
    "Amount": "Amount",
    "CloseDate": "Close date",
    "NextStep": "Next step",
    "ForecastCategoryName": "Forecast category",
}
OPPORTUNITY_ID = re.compile(r"^006[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
SOURCE = "salesforce"
MAX_WAIT = timedelta(hours=1)
Tell = Callable[[WriteBackNotice], None]


def written_fields(field_map: dict[str, str]) -> dict[str, str]:
    """Our field -> the Opportunity field written back; a relationship's field
    (`Account.Type`) belongs to another record and is not written from here."""
    mapped = {d: f for d, f in dimension_fields(field_map).items() if "." not in f}
    return {**FIELDS, **mapped}


def _wire(value: Any) -> Any:
    """A change-log value as Salesforce's JSON takes it."""
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d{2}", value):
        return float(value)
    return value


def record_change(
    session: Session,
    deal: Deal,
    changes: dict[str, list[Any]],
    *,
    by: int | None,
    now: datetime,
) -> SalesforceOutbox | None:
    """Queue `changes` (field -> [old, new], as `change_deal` returns them) for the deal's
    Opportunity, merged into a row not yet sent; None when nothing goes to Salesforce."""
    if not changes or not deal.external_id or not OPPORTUNITY_ID.match(deal.external_id):
        return None
    connection = store_sf.connection(session, deal.workspace_id)
    if connection is None:
        return None
    fields = written_fields(dict(connection.field_map))
    values: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for ours, (old, new) in changes.items():
        theirs = fields.get(ours)
        # A category that follows the stage is Salesforce's to set from the stage too.
        if theirs is None or (ours == "forecast_category" and not deal.category_is_explicit):
            continue
        values[theirs], before[theirs] = _wire(new), _wire(old)
    if not values:
        return None
    row = store_sf.pending_row(session, deal.id)
    if row is not None:
        row.values = {**row.values, **values}
        row.before = {**before, **row.before}  # what the council held before the first
        row.by_id = by
        return row
    row = SalesforceOutbox(
        workspace_id=deal.workspace_id,
        deal_id=deal.id,
        opportunity_id=deal.external_id,
        values=values,
        before=before,
        seen=deal.crm_modified_at,
        by_id=by,
        status=store_sf.PENDING,
        attempts=0,
        due_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class Delivery:
    """What one round of delivery did."""

    sent: int = 0
    conflicts: int = 0
    refused: int = 0
    waiting: int = 0  # Salesforce did not answer: tried again later
    gone: int = 0
    stopped: str | None = None
    notices: list[WriteBackNotice] = field(default_factory=list)


def _same(a: Any, b: Any) -> bool:
    """Whether two field values are the same, as numbers when both are numbers."""
    if a in (None, "") and b in (None, ""):
        return True
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return str(a) == str(b)


@dataclass(frozen=True)
class _Due:
    id: int
    opportunity_id: str
    values: dict[str, Any]
    before: dict[str, Any]
    seen: datetime | None


def deliver(env: Env, workspace_id: str, org: Org, tell: Tell | None = None) -> Delivery:
    """Send every row due; stops early at the API limit (the rows wait for the next run)."""
    report = Delivery()
    with env.db.transaction() as session:
        ids = store_sf.due(session, workspace_id, env.now())
    for row_id in ids:
        try:
            _deliver_one(env, workspace_id, org, row_id, report)
        except OrgLimit as error:
            report.stopped = f"{error.code}: {error.message}"
            break
    for notice in report.notices:
        if tell is not None:
            tell(notice)
    return report


def _deliver_one(env: Env, workspace_id: str, org: Org, row_id: int, report: Delivery) -> None:
    with env.db.transaction() as session:
        row = store_sf.outbox_row(session, workspace_id, row_id)
        if row is None or row.status != store_sf.PENDING:
            return
        due = _Due(row.id, row.opportunity_id, dict(row.values), dict(row.before), row.seen)
    names = list(dict.fromkeys(["Id", "LastModifiedDate", "LastModifiedById", *due.values]))
    try:
        record = org.get_opportunity(due.opportunity_id, names)
        modified = sf_moment(str(record.get("LastModifiedDate") or ""))
        moved = [
            name
            for name in due.values
            if name in due.before and not _same(record.get(name), due.before[name])
        ]
        if due.seen is not None and modified > due.seen and moved:
            _conflict(env, workspace_id, due, record, moved, report)
            return
        org.update_opportunity(due.opportunity_id, due.values)
    except OrgNotFound:
        _finish(env, workspace_id, due.id, "gone", "deleted in Salesforce")
        report.gone += 1
        return
    except OrgUnavailable as error:
        _later(env, workspace_id, due.id, error.message)
        report.waiting += 1
        return
    except OrgLimit:
        raise
    except OrgError as error:
        _refused(env, workspace_id, due, org, error, report)
        return
    _finish(env, workspace_id, due.id, "sent", None)
    report.sent += 1


def _finish(env: Env, workspace_id: str, row_id: int, status: str, error: str | None) -> None:
    with env.db.transaction() as session:
        row = store_sf.outbox_row(session, workspace_id, row_id)
        if row is not None:
            row.status, row.error, row.done_at = status, error, env.now()
            row.attempts += 1


def _later(env: Env, workspace_id: str, row_id: int, error: str) -> None:
    with env.db.transaction() as session:
        row = store_sf.outbox_row(session, workspace_id, row_id)
        if row is not None:
            row.attempts += 1
            row.error = error
            wait = min(MAX_WAIT, timedelta(minutes=2 ** min(row.attempts, 6)))
            row.due_at = env.now() + wait


def _rep_and_deal(session: Session, row: SalesforceOutbox) -> tuple[str | None, Deal | None]:
    deal = store_deals.get_deal(session, row.workspace_id, row.deal_id)
    person = people.get_person(session, row.workspace_id, row.by_id) if row.by_id else None
    return (person.slack_user_id if person else None), deal


def _who(session: Session, workspace_id: str, user_id: str | None) -> str:
    if not user_id:
        return "someone in Salesforce"
    user = store_sf.users_by_id(session, workspace_id, [user_id]).get(user_id)
    return user.name if user else f"Salesforce user {user_id}"


def _conflict(
    env: Env,
    workspace_id: str,
    due: _Due,
    record: Record,
    moved: list[str],
    report: Delivery,
) -> None:
    with env.db.transaction() as session:
        row = store_sf.outbox_row(session, workspace_id, due.id)
        if row is None:
            return
        row.status = "conflict"
        row.theirs = {name: record.get(name) for name in due.values}
        row.theirs_by = _who(session, workspace_id, record.get("LastModifiedById"))
        row.attempts += 1
        user_id, deal = _rep_and_deal(session, row)
        report.conflicts += 1
        report.notices.append(
            WriteBackNotice(
                kind="conflict",
                workspace_id=workspace_id,
                user_id=user_id,
                outbox_id=row.id,
                deal_name=deal.name if deal else due.opportunity_id,
                fields=[
                    (LABELS.get(n, n), _shown(due.values[n]), _shown(record.get(n)))
                    for n in due.values
                    if n in moved
                ],
                by=row.theirs_by,
                message="",
            )
        )


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{Decimal(str(value)):,.2f}"
    return str(value)


def plain_words(error: OrgError) -> str:
    """Salesforce's refusal as a rep reads it."""
    fields = ", ".join(LABELS.get(f, f) for f in error.fields)
    if error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION":
        return f"a rule in Salesforce says: {error.message}"
    if error.code == "REQUIRED_FIELD_MISSING":
        return f"Salesforce needs {fields or 'a field'} filled in"
    if error.code in ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "BAD_VALUE_FOR_PICKLIST"):
        return f"{fields or 'a value'} is not one of the choices Salesforce allows"
    return f"Salesforce refused it: {error.message}"


def _refused(
    env: Env, workspace_id: str, due: _Due, org: Org, error: OrgError, report: Delivery
) -> None:
    """Salesforce said no: the rep is told why, and the deal follows Salesforce's values."""
    with env.db.transaction() as session:
        connection = store_sf.connection(session, workspace_id)
        fields = written_fields(dict(connection.field_map) if connection else {})
    try:
        record = org.get_opportunity(
            due.opportunity_id, list(dict.fromkeys(["Id", "LastModifiedDate", *fields.values()]))
        )
    except OrgError:
        record = None
    with env.db.transaction() as session:
        row = store_sf.outbox_row(session, workspace_id, due.id)
        if row is None:
            return
        row.status, row.error, row.done_at = "refused", error.message, env.now()
        row.attempts += 1
        user_id, deal = _rep_and_deal(session, row)
        if deal is not None and record is not None:
            follow(session, deal, record, fields, at=env.now())
        report.refused += 1
        report.notices.append(
            WriteBackNotice(
                kind="refused",
                workspace_id=workspace_id,
                user_id=user_id,
                outbox_id=row.id,
                deal_name=deal.name if deal else due.opportunity_id,
                fields=[
                    (LABELS.get(n, n), _shown(v), _shown(record.get(n) if record else None))
                    for n, v in due.values.items()
                ],
                by="",
                message=plain_words(error),
            )
        )


def follow(
    session: Session, deal: Deal, record: Record, fields: dict[str, str], *, at: datetime
) -> dict[str, list[Any]]:
    """Make the deal hold Salesforce's values of the written fields (one new version)."""
    state: dict[str, Any] = {}
    stages = {s.name: s for s in workspaces.list_stages(session, deal.workspace_id)}
    for ours, theirs in fields.items():
        if theirs not in record:
            continue
        value = record[theirs]
        if ours == "stage":
            stage = stages.get(str(value))
            if stage is None:
                continue
            state["stage"], state["status"] = stage.name, stage.status
            if not deal.category_is_explicit:
                state["forecast_category"] = stage.category
        elif ours == "amount":
            state["amount"] = (
                None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
            )
        elif ours == "close_date":
            state["close_date"] = date.fromisoformat(str(value)) if value else None
        elif ours == "forecast_category":
            category = export_category(str(value or ""))
            if category and deal.category_is_explicit:
                state["forecast_category"] = category
        elif ours == "next_step":
            state["next_step"] = value or None
        elif ours in DIMENSIONS:
            state[ours] = str(value)[:128] if value else None
    if record.get("LastModifiedDate"):
        deal.crm_modified_at = sf_moment(str(record["LastModifiedDate"]))
    return store_deals.change_deal(session, deal, state, by=None, source=SOURCE, at=at)


def keep_theirs(session: Session, row: SalesforceOutbox, now: datetime) -> None:
    """The rep chose Salesforce's values: the deal takes them, nothing is written there."""
    deal = store_deals.lock_deal(session, row.workspace_id, row.deal_id)
    connection = store_sf.connection(session, row.workspace_id)
    if deal is not None and row.theirs is not None:
        fields = written_fields(dict(connection.field_map) if connection else {})
        follow(session, deal, dict(row.theirs), fields, at=now)
    row.status, row.done_at = "kept", now


def write_mine(row: SalesforceOutbox, now: datetime) -> None:
    """The rep chose their values: sent again, over what Salesforce holds now."""
    row.before = dict(row.theirs or {})
    row.seen = now.astimezone(UTC)
    row.status, row.due_at, row.error = store_sf.PENDING, now, None
