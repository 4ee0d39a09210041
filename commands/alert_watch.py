"""Finding deal events for alerts from the deals' versions, past a watermark, and the
messages that carry them: what the clock's alert job decides, without Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.fiscal import quarter_containing
from commands.metrics import NONE_LABEL
from commands.workspace import local_today
from store import alerts as store_alerts
from store import deals as store_deals
from store import people
from store.models import Alert, AlertSubscription, Deal, DealState, DealVersion, Workspace

# A version stamped longer ago than this when it is read (an import's history) is old
# news, not an event.
FRESH = timedelta(days=1)


@dataclass(frozen=True)
class Event:
    """Something that happened to a deal, keyed so it is added to an alert once."""

    key: str
    kind: str  # won, lost, pushed, slipped, changed, new
    deal_id: int
    at: datetime
    old: str | None = None
    new: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "old": self.old,
            "new": self.new,
        }


def _amount(text: Any) -> Decimal | None:
    return None if text in (None, "") else Decimal(str(text))


def events_of(version: DealVersion, start_month: int) -> list[Event]:
    """The events one version records (what changed from the version before it)."""
    at, deal_id = version.valid_from, version.deal_id
    key = f"v{version.id}"
    if version.version == 1:
        if version.status != "open":
            return []  # a closed deal entered after the fact is not news
        amount = f"{version.amount:.2f}" if version.amount is not None else None
        return [Event(f"{key}:new", "new", deal_id, at, None, amount)]
    changes = version.changes or {}
    found = []
    if "status" in changes and changes["status"][1] in ("won", "lost"):
        found.append(Event(f"{key}:{changes['status'][1]}", changes["status"][1], deal_id, at))
    if "close_date" in changes and version.status == "open":
        old, new = changes["close_date"]
        if old and new:
            before = quarter_containing(date.fromisoformat(old), start_month)
            if date.fromisoformat(new) >= before.end:
                found.append(Event(f"{key}:pushed", "pushed", deal_id, at, old, new))
    if "amount" in changes:
        old, new = changes["amount"]
        found.append(Event(f"{key}:changed", "changed", deal_id, at, old, new))
    return found


def _changed_enough(sub: AlertSubscription, event: Event) -> bool:
    old, new = _amount(event.old) or Decimal(0), _amount(event.new) or Decimal(0)
    moved = abs(new - old)
    by_amount = sub.change_amount is not None and moved > sub.change_amount
    by_share = sub.change_pct is not None and old > 0 and moved * 100 > old * sub.change_pct
    return by_amount or by_share


class _Scope:
    """Whose deals each subscriber hears of: their own (reps), their team's (managers),
    everyone's (admins); and a subscription's `team=` filter."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.people = {p.id: p for p in people.list_people(session, workspace_id)}
        reports: dict[int, list[int]] = {}
        for person in self.people.values():
            if person.manager_id is not None:
                reports.setdefault(person.manager_id, []).append(person.id)
        self.reports = reports

    def team(self, person_id: int) -> set[int]:
        return {person_id} | people.team_of(self.reports, person_id)

    def sees(self, person_id: int, owner_id: int) -> bool:
        person = self.people.get(person_id)
        if person is None:
            return False
        if person.role == "admin":
            return True
        if person.role == "manager":
            return owner_id in self.team(person_id)
        return owner_id == person_id


def matches(
    sub: AlertSubscription, event: Event, state: DealState, scope: _Scope, amount: Decimal
) -> bool:
    """Whether the subscription wants this event about a deal in this state."""
    if event.kind not in sub.events or event.at < sub.created_at:
        return False
    if event.kind == "changed" and not _changed_enough(sub, event):
        return False
    if event.kind == "new" and sub.new_amount is not None and amount < sub.new_amount:
        return False
    if not scope.sees(sub.person_id, state.owner_id):
        return False
    if sub.team_of_id is not None and state.owner_id not in scope.team(sub.team_of_id):
        return False
    if sub.dimension:
        value = getattr(state, sub.dimension) or NONE_LABEL
        if value != sub.dimension_value:
            return False
    return sub.min_amount is None or amount >= sub.min_amount


def batch_of(sub: AlertSubscription, workspace: Workspace, now: datetime) -> tuple[str, datetime]:
    """The batch an alert found now belongs to, and when it is due: alerts at once share
    the hour (a deal changing again within it edits its alert), hourly ones go out when
    the hour ends, daily ones when the workspace's day ends."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if sub.cadence == "daily":
        zone = ZoneInfo(workspace.timezone)
        day = now.astimezone(zone).date()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return day.isoformat(), end.astimezone(UTC)
    due = now if sub.cadence == "now" else hour + timedelta(hours=1)
    return f"{hour:%Y-%m-%dT%H}", due


def find_events(session: Session, workspace: Workspace, horizon: int, now: datetime) -> int:
    """Read the versions past the workspace's watermark (up to `horizon`) and the close
    dates passed since the last reading, and add their events to the subscriptions'
    alerts; the watermark moves in the same transaction, so each version is read once.
    How many events were added to alerts."""
    today = local_today(workspace, now)
    cursor = store_alerts.cursor(session, workspace.id)
    if cursor is None:
        store_alerts.start_cursor(session, workspace.id, horizon, today)
        return 0
    after, slips_from, readings = cursor.version_id, cursor.slips_checked, cursor.readings
    upto = max(horizon, after)
    if upto == after and slips_from >= today:
        return 0
    if not store_alerts.advance(session, workspace.id, readings, upto, max(today, slips_from)):
        return 0  # another clock read them
    subscriptions = store_alerts.subscriptions(session, workspace.id)
    if not subscriptions:
        return 0
    found: list[tuple[Event, DealState, Decimal]] = []
    for version in store_alerts.versions_between(session, workspace.id, after, upto):
        if now - version.valid_from > FRESH:
            continue
        for event in events_of(version, workspace.fiscal_year_start_month):
            amounts = [version.amount]
            if event.kind in ("changed", "new"):
                amounts += [_amount(event.old), _amount(event.new)]
            size = max((a for a in amounts if a is not None), default=Decimal(0))
            found.append((event, version, size))
    for deal in store_alerts.open_deals_closing(session, workspace.id, slips_from, today):
        assert deal.close_date is not None
        passed = datetime.combine(
            deal.close_date + timedelta(days=1), time(0), tzinfo=ZoneInfo(workspace.timezone)
        )
        event = Event(
            f"slip:{deal.id}:{deal.close_date}",
            "slipped",
            deal.id,
            passed.astimezone(UTC),
            deal.close_date.isoformat(),
        )
        found.append((event, deal, deal.amount or Decimal(0)))
    scope = _Scope(session, workspace.id)
    added = 0
    for event, state, amount in found:
        for sub in subscriptions:
            if matches(sub, event, state, scope, amount):
                batch, due = batch_of(sub, workspace, now)
                store_alerts.add_event(session, sub, event.deal_id, batch, due, event.record())
                added += 1
    return added


@dataclass(frozen=True)
class AlertItem:
    """One deal in an alert message: as it stands now, and what happened to it."""

    deal_id: int
    name: str
    owner: str
    stage: str
    amount: Decimal | None
    close_date: date | None
    events: list[dict[str, Any]]


@dataclass(frozen=True)
class AlertMessage:
    """A message to post (or, with `ts`, to edit in place): `key` makes its post once."""

    key: str
    channel: str
    ts: str | None
    cadence: str
    batch: str
    currency: str
    items: list[AlertItem]
    alert_ids: list[int]
    revisions: dict[int, int]
    attempted: bool = False  # an earlier post may have got through: look before posting


def messages_due(session: Session, workspace: Workspace, now: datetime) -> list[AlertMessage]:
    """The messages to post or edit now: an alert at once is its own message; an hourly or
    daily batch is one message listing every deal of the batch."""
    due = store_alerts.pending(session, workspace.id, now)
    subs = {s.id: s for s in store_alerts.subscriptions(session, workspace.id)}
    names = {p.id: p.display_name for p in people.list_people(session, workspace.id)}
    messages = []
    seen_batches: set[tuple[int, str]] = set()
    for alert in due:
        sub = subs.get(alert.subscription_id)
        if sub is None:
            continue  # removed since: its pending alerts are dropped
        if sub.cadence == "now":
            group, key = [alert], f"alert:{alert.id}"
        else:
            if (sub.id, alert.batch) in seen_batches:
                continue
            seen_batches.add((sub.id, alert.batch))
            group = store_alerts.in_batch(session, sub.id, alert.batch)
            key = f"alerts:{sub.id}:{alert.batch}"
        messages.append(_message(session, workspace, sub, group, key, names))
    return messages


def _message(
    session: Session,
    workspace: Workspace,
    sub: AlertSubscription,
    group: list[Alert],
    key: str,
    names: dict[int, str],
) -> AlertMessage:
    items = []
    for alert in group:
        deal: Deal | None = store_deals.get_deal(session, workspace.id, alert.deal_id)
        if deal is None:
            continue
        items.append(
            AlertItem(
                deal.id,
                deal.name,
                names.get(deal.owner_id, "someone"),
                deal.stage,
                deal.amount,
                deal.close_date,
                list(alert.events),
            )
        )
    ts = next((a.ts for a in group if a.ts), None)
    return AlertMessage(
        key,
        sub.channel,
        ts,
        sub.cadence,
        group[0].batch,
        workspace.currency_symbol,
        items,
        [a.id for a in group],
        {a.id: a.revision for a in group},
        ts is None and any(a.ts == "" for a in group),
    )
