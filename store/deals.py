"""Deals and their full history of versions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from store import bulk
from store.db import _unbounded, on_postgresql
from store.models import STATE_FIELDS, Deal, DealVersion

# The tables themselves, for bulk inserts that skip the ORM's per-row work.
DEALS = cast(Table, Deal.__table__)
VERSIONS = cast(Table, DealVersion.__table__)

MAX_LISTED = 200


def _plain(value: Any) -> Any:
    """A value as the change log keeps it: JSON-friendly and exact."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _version_of(deal: Deal, **extra: Any) -> DealVersion:
    state = {field: getattr(deal, field) for field in STATE_FIELDS}
    return DealVersion(workspace_id=deal.workspace_id, deal_id=deal.id, **state, **extra)


def create_deal(
    session: Session,
    workspace_id: str,
    state: Mapping[str, Any],
    *,
    by: int | None,
    source: str,
    at: datetime,
    external_id: str | None = None,
) -> Deal:
    """A new deal and its first version, valid from `at`."""
    deal = Deal(
        workspace_id=workspace_id,
        external_id=external_id,
        version=1,
        updated_at=at,
        updated_by_id=by,
        **{"category_is_explicit": False, **state},
    )
    session.add(deal)
    session.flush()
    # Version 1 is the creation: its own columns say everything, so it lists no changes.
    session.add(
        _version_of(
            deal, version=1, valid_from=at, changed_by_id=by, change_source=source, changes={}
        )
    )
    session.flush()
    return deal


def change_deal(
    session: Session,
    deal: Deal,
    new_state: Mapping[str, Any],
    *,
    by: int | None,
    source: str,
    at: datetime,
) -> dict[str, list[Any]]:
    """Apply `new_state` to a locked deal: close its current version at `at` and open the next.

    Returns what changed, field by field as `[old, new]`; nothing is written when nothing
    changed, so the same update sent twice has one effect.
    """
    changes = {
        field: [_plain(getattr(deal, field)), _plain(new_state[field])]
        for field in STATE_FIELDS
        if field in new_state and getattr(deal, field) != new_state[field]
    }
    if not changes:
        return {}
    current = session.scalar(
        select(DealVersion).where(DealVersion.deal_id == deal.id, DealVersion.valid_to.is_(None))
    )
    # A change never starts before the version it replaces, even when clocks disagree.
    if current is not None:
        at = max(at, current.valid_from)
        current.valid_to = at
    for field, value in new_state.items():
        setattr(deal, field, value)
    deal.version += 1
    deal.updated_at = at
    deal.updated_by_id = by
    session.add(
        _version_of(
            deal,
            version=deal.version,
            valid_from=at,
            changed_by_id=by,
            change_source=source,
            changes=changes,
        )
    )
    session.flush()
    return changes


def end_deal(session: Session, deal: Deal, at: datetime) -> None:
    """The deal leaves the pipeline at `at` (its Opportunity was deleted in Salesforce):
    its current version ends there and none follows, so every figure before stays."""
    current = session.scalar(
        select(DealVersion).where(DealVersion.deal_id == deal.id, DealVersion.valid_to.is_(None))
    )
    if current is not None:
        current.valid_to = max(at, current.valid_from)
    deal.deleted_at = at
    session.flush()


def restore_deal(session: Session, deal: Deal, at: datetime, source: str) -> None:
    """The deal is back in the pipeline from `at` (its Opportunity was undeleted), as it
    was when it left."""
    last = session.scalar(
        select(func.max(DealVersion.valid_to)).where(DealVersion.deal_id == deal.id)
    )
    deal.deleted_at = None
    deal.version += 1
    session.add(
        _version_of(
            deal,
            version=deal.version,
            valid_from=max(at, last) if last else at,
            changed_by_id=None,
            change_source=source,
            changes={},
        )
    )
    session.flush()


# A deal whose Opportunity was deleted in Salesforce is in no list, search or reminder.
LIVE = Deal.deleted_at.is_(None)

# Ids come from what people type and from payloads; one no table could hold is no deal.
MAX_ID = 2**31 - 1


def lock_deal(session: Session, workspace_id: str, deal_id: int) -> Deal | None:
    """The deal, locked for update until the transaction ends (a no-op lock on SQLite)."""
    if not 0 < deal_id <= MAX_ID:
        return None
    return session.scalar(
        select(Deal)
        .where(Deal.workspace_id == workspace_id, Deal.id == deal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def get_deal(session: Session, workspace_id: str, deal_id: int) -> Deal | None:
    if not 0 < deal_id <= MAX_ID:
        return None
    return session.scalar(select(Deal).where(Deal.workspace_id == workspace_id, Deal.id == deal_id))


def deals_by_external_id(session: Session, workspace_id: str, external_id: str) -> list[Deal]:
    return list(
        session.scalars(
            select(Deal).where(Deal.workspace_id == workspace_id, Deal.external_id == external_id)
        )
    )


def deals_named(session: Session, workspace_id: str, name: str) -> list[Deal]:
    """Deals whose name is exactly `name`, ignoring case."""
    return list(
        session.scalars(
            select(Deal)
            .where(Deal.workspace_id == workspace_id, LIVE, func.lower(Deal.name) == name.lower())
            .order_by(Deal.id)
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _all_words_in(columns: Sequence[Any], words: Sequence[str]) -> Any:
    return and_(
        *(
            or_(
                *(
                    func.lower(col).like(f"%{_escape_like(w.lower())}%", escape="\\")
                    for col in columns
                )
            )
            for w in words
        )
    )


def deals_matching(
    session: Session, workspace_id: str, words: Sequence[str], *, in_account: bool = False
) -> list[Deal]:
    """Deals whose name (and account, with `in_account`) holds every word, open ones first."""
    columns: list[Any] = [Deal.name]
    if in_account:
        columns += [func.coalesce(Deal.account, ""), func.coalesce(Deal.next_step, "")]
    query = (
        select(Deal)
        .where(Deal.workspace_id == workspace_id, LIVE, _all_words_in(columns, words))
        .order_by((Deal.status != "open"), Deal.name, Deal.id)
        .limit(MAX_LISTED + 1)
    )
    return list(session.scalars(query))


def deals_owned_by(
    session: Session, workspace_id: str, owner_ids: Sequence[int], *, open_only: bool = True
) -> list[Deal]:
    query = select(Deal).where(
        Deal.workspace_id == workspace_id, LIVE, Deal.owner_id.in_(owner_ids)
    )
    if open_only:
        query = query.where(Deal.status == "open")
    return list(session.scalars(query.order_by(Deal.close_date, Deal.name).limit(MAX_LISTED + 1)))


def history(
    session: Session, workspace_id: str, deal_id: int, limit: int = 10
) -> list[DealVersion]:
    """The deal's most recent versions, newest first."""
    return list(
        session.scalars(
            select(DealVersion)
            .where(DealVersion.workspace_id == workspace_id, DealVersion.deal_id == deal_id)
            .order_by(DealVersion.version.desc())
            .limit(limit)
        )
    )


def valid_at(at: datetime, versions: Any = DealVersion) -> ColumnElement[bool]:
    """The versions in force at `at`: begun by then, not yet ended (of `versions`, the
    table or an alias of it)."""
    return and_(
        versions.valid_from <= at,
        or_(versions.valid_to.is_(None), versions.valid_to > at),
    )


def versions_as_of(workspace_id: str, at: datetime) -> Select[DealVersion]:
    """Every deal's state at `at`: one indexed range query over the versions."""
    return select(DealVersion).where(DealVersion.workspace_id == workspace_id, valid_at(at))


def deals_by_external_ids(
    session: Session, workspace_id: str, external_ids: Sequence[str]
) -> dict[str, Deal]:
    """The deals with these CRM ids, keyed by id: one query for a whole import batch."""
    if not external_ids:
        return {}
    found = session.scalars(
        select(Deal).where(Deal.workspace_id == workspace_id, Deal.external_id.in_(external_ids))
    )
    return {deal.external_id or "": deal for deal in found}


@dataclass(frozen=True)
class NewDeal:
    """A deal to insert with its whole history: each state and the moment it began."""

    external_id: str
    states: list[tuple[datetime, dict[str, Any]]]
    by: int | None
    source: str
    crm_modified_at: datetime | None = None


# The columns bulk inserts write, in order: the rest take their database defaults.
DEAL_COLUMNS = (
    "workspace_id",
    "external_id",
    "version",
    "updated_at",
    "updated_by_id",
    "crm_modified_at",
    *STATE_FIELDS,
)
VERSION_COLUMNS = (
    "workspace_id",
    "deal_id",
    "version",
    "valid_from",
    "valid_to",
    "changed_by_id",
    "change_source",
    "changes",
    *STATE_FIELDS,
)
# A state may leave out a field: its column's default, else null.
_BLANK_STATE = {field: False if field == "category_is_explicit" else None for field in STATE_FIELDS}
_state_values = itemgetter(*STATE_FIELDS)


def _values(state: Mapping[str, Any]) -> tuple[Any, ...]:
    """A state's values in STATE_FIELDS order."""
    if state.keys() >= _BLANK_STATE.keys():
        return cast(tuple[Any, ...], _state_values(state))
    return cast(tuple[Any, ...], _state_values({**_BLANK_STATE, **state}))


def insert_deals(session: Session, workspace_id: str, new: Sequence[NewDeal]) -> list[int]:
    """Insert many deals and their versions in bulk (imports load 100k rows), ids given
    here: from the sequence on PostgreSQL, after the largest on SQLite, whose write lock
    the transaction holds from its start (BEGIN IMMEDIATE), so no other writer can take
    them; COPY on PostgreSQL, one executemany on SQLite."""
    if not new:
        return []
    if on_postgresql(session):
        ids = bulk.next_ids(session, DEALS, len(new))
    else:
        session.flush()
        first = (session.scalar(select(func.max(Deal.id))) or 0) + 1
        ids = list(range(first, first + len(new)))
    rows: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    for deal_id, item in zip(ids, new, strict=True):
        states = item.states
        previous: Mapping[str, Any] | None = None
        values: tuple[Any, ...] = ()
        for number, (begins, state) in enumerate(states, start=1):
            ends = states[number][0] if number < len(states) else None
            changes = {} if previous is None else _changes(previous, state)
            values = _values(state)
            fixed = (workspace_id, deal_id, number, begins, ends, item.by, item.source, changes)
            versions.append((*fixed, *values))
            previous = state
        last = (deal_id, workspace_id, item.external_id, len(states), states[-1][0], item.by)
        rows.append((*last, item.crm_modified_at, *values))
    bulk.insert_tuples(session, DEALS, ("id", *DEAL_COLUMNS), rows)
    bulk.insert_tuples(session, VERSIONS, VERSION_COLUMNS, versions)
    return ids


def _changes(previous: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What a version changed from the one before, field by field as `[old, new]`."""
    return {
        field: [_plain(previous.get(field)), _plain(value)]
        for field, value in state.items()
        if previous.get(field) != value
    }


def _chain(
    workspace_id: str,
    deal_id: int,
    states: Sequence[tuple[datetime, dict[str, Any]]],
    by: int | None,
    source: str,
) -> list[dict[str, Any]]:
    """Version rows for consecutive states, each valid until the next begins."""
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for number, (begins, state) in enumerate(states, start=1):
        ends = states[number][0] if number < len(states) else None
        rows.append(
            {
                "workspace_id": workspace_id,
                "deal_id": deal_id,
                "version": number,
                "valid_from": begins,
                "valid_to": ends,
                "changed_by_id": by,
                "change_source": source,
                "changes": {} if number == 1 else _changes(previous, state),
                **state,
            }
        )
        previous = state
    return rows


@dataclass(frozen=True)
class Step:
    """One version of a rewritten history: when it began, the deal's whole state then, who
    or what made it, and the history row it came from. A step `gone` begins a time the
    deal was out of the pipeline (its Opportunity deleted): it ends the version before it
    and is no version itself, so the next step begins the deal again."""

    at: datetime
    state: dict[str, Any]
    by: int | None
    source: str
    history_key: str | None = None
    gone: bool = False


def versions_of(session: Session, deal_id: int) -> list[DealVersion]:
    """Every version of a deal, oldest first."""
    query = select(DealVersion).where(DealVersion.deal_id == deal_id)
    return list(session.scalars(query.order_by(DealVersion.version)))


def rewrite_history(session: Session, deal: Deal, steps: Sequence[Step]) -> int:
    """Replace the deal's versions with `steps` (in time order), each valid until the next
    begins, and the deal with the last; the number of versions."""
    # One DELETE (the session forgets the rows it holds), not a load and a delete per row:
    # the Salesforce sync rebuilds every deal of an org this way.
    session.execute(delete(DealVersion).where(DealVersion.deal_id == deal.id))
    rows = _chain(deal.workspace_id, deal.id, [(s.at, s.state) for s in steps], None, "")
    for row, step in zip(rows, steps, strict=True):
        row.update(changed_by_id=step.by, change_source=step.source, history_key=step.history_key)
    rows = [row for row, step in zip(rows, steps, strict=True) if not step.gone]
    for number, row in enumerate(rows, start=1):
        row["version"] = number
    session.execute(insert(VERSIONS), rows)
    for field in STATE_FIELDS:
        setattr(deal, field, rows[-1][field])
    deal.version = len(rows)
    return len(rows)


def plain_value(field: str, value: Any) -> Any:
    """A value the change log kept (`_plain`), as the deal holds it."""
    if value is None:
        return None
    if field == "amount":
        return Decimal(str(value))
    if field in ("close_date", "created_date"):
        return date.fromisoformat(str(value))
    return value


def refresh_statistics(session: Session) -> None:
    """Have the database recount the deal tables. A bulk load outruns PostgreSQL's
    autovacuum, and with stale counts its planner scans `deals` for each batch's lookups
    instead of using the index, so each batch gets slower than the last. SQLite keeps no
    counts until asked; without them it reads a period's numbers through the as-of index
    (every version) instead of the close and created date indexes (the period's)."""
    if on_postgresql(session):
        # Upkeep, like VACUUM, may outrun an ordinary statement's bound on a busy server
        # (it did, and cancelled an import): unbounded for the rest of this transaction.
        _unbounded(session.connection()).execute(text("ANALYZE deals, deal_versions"))
    else:
        session.execute(text("ANALYZE deals"))
        session.execute(text("ANALYZE deal_versions"))


def deals_closing_in_batches(
    session: Session,
    workspace_id: str,
    start: date,
    end: date,
    categories: Sequence[str],
    owner_ids: Sequence[int] | None = None,
    size: int = 2000,
) -> Iterator[Sequence[Deal]]:
    """`deals_closing`, streamed in batches of `size`, for tallies over a whole company."""
    query = _closing(workspace_id, start, end, categories, owner_ids)
    yield from session.scalars(query.execution_options(yield_per=size)).partitions()


def _closing(
    workspace_id: str,
    start: date,
    end: date,
    categories: Sequence[str],
    owner_ids: Sequence[int] | None,
) -> Select[Deal]:
    query = select(Deal).where(
        Deal.workspace_id == workspace_id,
        LIVE,
        Deal.status == "open",
        Deal.forecast_category.in_(list(categories)),
        Deal.close_date >= start,
        Deal.close_date < end,
    )
    if owner_ids is not None:
        query = query.where(Deal.owner_id.in_(list(owner_ids)))
    return query.order_by(Deal.close_date, Deal.name, Deal.id)


def closing_query(
    workspace_id: str,
    start: date,
    end: date,
    categories: Sequence[str],
    owner_ids: Sequence[int] | None = None,
) -> Select[Deal]:
    """The query `deals_closing` runs, to count or filter its deals in the database."""
    return _closing(workspace_id, start, end, categories, owner_ids)


def deals_closing(
    session: Session,
    workspace_id: str,
    start: date,
    end: date,
    categories: Sequence[str],
    owner_ids: Sequence[int] | None = None,
) -> list[Deal]:
    """Open deals in these forecast categories closing in `[start, end)`, by close date."""
    return list(session.scalars(_closing(workspace_id, start, end, categories, owner_ids)))
