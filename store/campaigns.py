"""Campaigns, their member statuses and members, and the sums a campaign's figures need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, insert, or_, select, type_coerce
from sqlalchemy.orm import Session

from store.deals import valid_at
from store.metrics import Window
from store.models import (
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    CampaignMemberVersion,
    DealVersion,
)
from store.types import Money

MEMBERS = cast(Table, CampaignMember.__table__)
MEMBER_VERSIONS = cast(Table, CampaignMemberVersion.__table__)
ZERO = Decimal("0.00")

# What Salesforce gives a new campaign, so it can take members at once.
DEFAULT_STATUSES = (("Sent", False, True), ("Responded", True, False))


@dataclass(frozen=True)
class StatusSpec:
    label: str
    has_responded: bool
    is_default: bool
    sort_order: int


def status_set_error(statuses: Sequence[StatusSpec]) -> str | None:
    """Why a campaign's statuses are not a set Salesforce would accept, or None."""
    defaults = [s.label for s in statuses if s.is_default]
    if not statuses:
        return "it has no member statuses"
    if len(defaults) != 1:
        named = f" ({', '.join(defaults)})" if defaults else ""
        return f"it needs exactly one default status, not {len(defaults)}{named}"
    if not any(s.has_responded for s in statuses):
        return "it needs at least one status that counts as responded"
    return None


def all_campaigns(session: Session, workspace_id: str) -> list[Campaign]:
    query = select(Campaign).where(Campaign.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Campaign.name, Campaign.id)))


def campaigns_by_external_ids(
    session: Session, workspace_id: str, external_ids: Iterable[str]
) -> dict[str, Campaign]:
    wanted = sorted(set(external_ids))
    if not wanted:
        return {}
    found = session.scalars(
        select(Campaign).where(
            Campaign.workspace_id == workspace_id, Campaign.external_id.in_(wanted)
        )
    )
    return {c.external_id or "": c for c in found}


def campaigns_named(session: Session, workspace_id: str, name: str) -> list[Campaign]:
    """Campaigns named `name` (ignoring case), or whose Salesforce Id it is."""
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id,
        or_(func.lower(Campaign.name) == name.lower(), Campaign.external_id == name),
    )
    return list(session.scalars(query.order_by(Campaign.id)))


def campaigns_matching(session: Session, workspace_id: str, word: str) -> list[Campaign]:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(Campaign).where(
        Campaign.workspace_id == workspace_id,
        func.lower(Campaign.name).like(f"%{escaped}%", escape="\\"),
    )
    return list(session.scalars(query.order_by(Campaign.name).limit(20)))


def create_campaign(
    session: Session, workspace_id: str, fields: dict[str, Any], now: datetime
) -> Campaign:
    """A new campaign with Salesforce's two starting statuses (Sent, the default, and
    Responded)."""
    campaign = Campaign(workspace_id=workspace_id, created_at=now, updated_at=now, **fields)
    session.add(campaign)
    session.flush()
    for order, (label, responded, default) in enumerate(DEFAULT_STATUSES, start=1):
        session.add(
            CampaignMemberStatus(
                workspace_id=workspace_id,
                campaign_id=campaign.id,
                label=label,
                has_responded=responded,
                is_default=default,
                sort_order=order,
            )
        )
    session.flush()
    return campaign


def statuses_of(
    session: Session, campaign_ids: Sequence[int]
) -> dict[int, list[CampaignMemberStatus]]:
    """Each campaign's statuses in their order."""
    found: dict[int, list[CampaignMemberStatus]] = {cid: [] for cid in campaign_ids}
    if not campaign_ids:
        return found
    query = select(CampaignMemberStatus).where(
        CampaignMemberStatus.campaign_id.in_(list(campaign_ids))
    )
    for status in session.scalars(
        query.order_by(CampaignMemberStatus.sort_order, CampaignMemberStatus.label)
    ):
        found[status.campaign_id].append(status)
    return found


def labels_in_use(session: Session, campaign_id: int) -> set[str]:
    query = select(CampaignMember.status).where(CampaignMember.campaign_id == campaign_id)
    return set(session.scalars(query.distinct()))


def replace_statuses(
    session: Session, campaign: Campaign, specs: Sequence[StatusSpec], keep: Iterable[str]
) -> None:
    """Make `specs` the campaign's statuses; those in `keep` (held by members) stay even
    when `specs` leaves them out, no longer the default."""
    current = {s.label: s for s in statuses_of(session, [campaign.id])[campaign.id]}
    wanted = {s.label: s for s in specs}
    keep = set(keep)
    for label, status in current.items():
        if label not in wanted:
            if label in keep:
                status.is_default = False
            else:
                session.delete(status)
    for spec in specs:
        found = current.get(spec.label)
        if found is None:
            status = CampaignMemberStatus(
                workspace_id=campaign.workspace_id, campaign_id=campaign.id, label=spec.label
            )
            session.add(status)
        else:
            status = found
        status.has_responded = spec.has_responded
        status.is_default = spec.is_default
        status.sort_order = spec.sort_order
    session.flush()


def members_by_external_ids(
    session: Session, workspace_id: str, external_ids: Sequence[str]
) -> dict[str, CampaignMember]:
    if not external_ids:
        return {}
    found = session.scalars(
        select(CampaignMember).where(
            CampaignMember.workspace_id == workspace_id,
            CampaignMember.external_id.in_(list(external_ids)),
        )
    )
    return {m.external_id or "": m for m in found}


def find_member(session: Session, campaign_id: int, who: str) -> CampaignMember | None:
    """A campaign's member by its lead or contact id, or its own Salesforce Id."""
    query = select(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id,
        or_(
            CampaignMember.lead_id == who,
            CampaignMember.contact_id == who,
            CampaignMember.external_id == who,
        ),
    )
    return session.scalars(query.limit(1)).first()


@dataclass(frozen=True)
class NewMember:
    external_id: str | None
    campaign_id: int
    lead_id: str | None
    contact_id: str | None
    status: str
    first_responded_date: date | None
    created_at: datetime
    created_date: date
    # Statuses it took after `status`, each from its moment on (oldest first).
    later: tuple[tuple[datetime, str], ...] = ()


def insert_members(
    session: Session, workspace_id: str, new: Sequence[NewMember], by: int | None = None
) -> None:
    """Many members and their versions (the first status, then any `later`), with one
    executemany each."""
    if not new:
        return
    rows = [
        {
            "workspace_id": workspace_id,
            **{k: v for k, v in m.__dict__.items() if k != "later"},
            "status": m.later[-1][1] if m.later else m.status,
        }
        for m in new
    ]
    ids = session.execute(
        insert(MEMBERS).returning(MEMBERS.c.id, sort_by_parameter_order=True), rows
    )
    versions = []
    for (member_id,), m in zip(ids, new, strict=True):
        steps = [(m.created_at, m.status), *m.later]
        for number, (begins, status) in enumerate(steps):
            ends = steps[number + 1][0] if number + 1 < len(steps) else None
            versions.append(
                {
                    "workspace_id": workspace_id,
                    "member_id": member_id,
                    "campaign_id": m.campaign_id,
                    "status": status,
                    "created_date": m.created_date,
                    "valid_from": begins,
                    "valid_to": ends,
                    "changed_by_id": by,
                }
            )
    session.execute(insert(MEMBER_VERSIONS), versions)


def change_member_status(
    session: Session,
    member: CampaignMember,
    status: CampaignMemberStatus,
    *,
    at: datetime,
    by: int | None,
    again: bool = False,
) -> bool:
    """Give the member `status` from `at` on (closing the version before); False when it
    already had it, unless it comes `again` after its deletion. A first response dates
    `first_responded_date`."""
    if member.status == status.label and not again:
        return False
    current = session.scalar(
        select(CampaignMemberVersion).where(
            CampaignMemberVersion.member_id == member.id,
            CampaignMemberVersion.valid_to.is_(None),
        )
    )
    if current is not None:
        at = max(at, current.valid_from)
        current.valid_to = at
    member.status = status.label
    if status.has_responded and member.first_responded_date is None:
        member.first_responded_date = at.date()
    session.add(
        CampaignMemberVersion(
            workspace_id=member.workspace_id,
            member_id=member.id,
            campaign_id=member.campaign_id,
            status=status.label,
            created_date=member.created_date,
            valid_from=at,
            valid_to=None,
            changed_by_id=by,
        )
    )
    session.flush()
    return True


def end_members(
    session: Session,
    workspace_id: str,
    at: datetime,
    *,
    external_ids: Sequence[str] = (),
    campaign_ids: Sequence[int] = (),
) -> int:
    """Members deleted in Salesforce (by their Id, or every member of these campaigns):
    their status ends at `at`, so they count no more from then on while every figure as
    of before stays as it was. How many were still counted."""
    which = []
    if external_ids:
        chosen = select(CampaignMember.id).where(
            CampaignMember.workspace_id == workspace_id,
            CampaignMember.external_id.in_(list(external_ids)),
        )
        which.append(CampaignMemberVersion.member_id.in_(chosen))
    if campaign_ids:
        which.append(CampaignMemberVersion.campaign_id.in_(list(campaign_ids)))
    if not which:
        return 0
    current = session.scalars(
        select(CampaignMemberVersion).where(
            CampaignMemberVersion.workspace_id == workspace_id,
            CampaignMemberVersion.valid_to.is_(None),
            or_(*which),
        )
    ).all()
    for version in current:
        version.valid_to = max(at, version.valid_from)
    session.flush()
    return len(current)


def ended(session: Session, member_ids: Sequence[int]) -> set[int]:
    """Of these members, those with no status now: deleted in Salesforce."""
    if not member_ids:
        return set()
    current = select(CampaignMemberVersion.member_id).where(
        CampaignMemberVersion.member_id.in_(list(member_ids)),
        CampaignMemberVersion.valid_to.is_(None),
    )
    return set(member_ids) - set(session.scalars(current))


@dataclass(frozen=True)
class MemberCounts:
    members: int = 0
    responded: int = 0


@dataclass(frozen=True)
class DealSums:
    opportunities: int = 0
    pipeline: Decimal = ZERO
    won: Decimal = ZERO


def member_counts(
    session: Session,
    workspace_id: str,
    at: datetime,
    window: Window | None,
    campaign_ids: Sequence[int] | None = None,
) -> dict[int, MemberCounts]:
    """Per campaign (of `campaign_ids`, or all): its members at `at` (added in
    `[start, cutoff)` with a window) and those of them whose status at `at` counts as
    responded. One grouped query."""
    v = CampaignMemberVersion
    s = CampaignMemberStatus
    conditions = [
        v.workspace_id == workspace_id,
        v.valid_from <= at,
        or_(v.valid_to.is_(None), v.valid_to > at),
    ]
    if window is not None:
        conditions += [v.created_date >= window.start, v.created_date < window.cutoff]
    if campaign_ids is not None:
        conditions.append(v.campaign_id.in_(list(campaign_ids)))
    responded = func.sum(case((s.has_responded, 1), else_=0))
    query = (
        select(v.campaign_id, func.count(), responded)
        .select_from(v)
        .outerjoin(s, and_(s.campaign_id == v.campaign_id, s.label == v.status))
        .where(*conditions)
        .group_by(v.campaign_id)
    )
    return {
        campaign_id: MemberCounts(int(members), int(answered or 0))
        for campaign_id, members, answered in session.execute(query)
    }


def _money_sum(condition: Any) -> Any:
    return type_coerce(func.coalesce(func.sum(case((condition, DealVersion.amount))), 0), Money())


def deal_sums(
    session: Session,
    workspace_id: str,
    at: datetime,
    window: Window | None,
    campaign_ids: Sequence[int] | None = None,
) -> dict[int, DealSums]:
    """Per campaign, of the deals carrying it as they stood at `at`: how many (created in
    `[start, cutoff)` with a window), the amount open (closing in `[start, end)` with a
    window) and the amount won (closing in `[start, cutoff)` with a window). One grouped
    query."""
    v = DealVersion
    counted: Any = True
    open_: Any = v.status == "open"
    won: Any = v.status == "won"
    if window is not None:
        counted = and_(v.created_date >= window.start, v.created_date < window.cutoff)
        open_ = and_(open_, v.close_date >= window.start, v.close_date < window.end)
        won = and_(won, v.close_date >= window.start, v.close_date < window.cutoff)
    count = func.sum(case((counted, 1), else_=0)) if window is not None else func.count()
    which = (
        v.campaign_id.in_(list(campaign_ids))
        if campaign_ids is not None
        else v.campaign_id.is_not(None)
    )
    query = (
        select(v.campaign_id, count, _money_sum(open_), _money_sum(won))
        .where(v.workspace_id == workspace_id, which, valid_at(at))
        .group_by(v.campaign_id)
    )
    return {
        campaign_id: DealSums(int(n or 0), pipeline, won_amount)
        for campaign_id, n, pipeline, won_amount in session.execute(query)
    }


def names_by_external_id(session: Session, workspace_id: str) -> dict[str, str]:
    """Every campaign's name by its Salesforce Id (and the Id's 15-character form)."""
    return _by_external_id(session, workspace_id, Campaign.name)


def name_of_external_id(session: Session, workspace_id: str, external_id: str) -> str | None:
    """One campaign's name by its Salesforce Id (18 characters, or the 15 reports write)."""
    same = Campaign.external_id == external_id
    if len(external_id) == 15:
        same = same | Campaign.external_id.startswith(external_id, autoescape=True)
    query = select(Campaign.name).where(Campaign.workspace_id == workspace_id, same).limit(1)
    return session.scalar(query)


def ids_by_external_id(session: Session, workspace_id: str) -> dict[str, int]:
    """Every campaign's id by its Salesforce Id (and the Id's 15-character form)."""
    return _by_external_id(session, workspace_id, Campaign.id)


def _by_external_id(session: Session, workspace_id: str, column: Any) -> dict[str, Any]:
    """`column` by each campaign's Salesforce Id, also by the Id's first 15 characters:
    reports write the 15-character form of the 18-character Ids the API gives."""
    query = select(Campaign.external_id, column).where(
        Campaign.workspace_id == workspace_id, Campaign.external_id.is_not(None)
    )
    found: dict[str, Any] = {}
    for external_id, value in session.execute(query):
        if external_id is None:
            continue
        found[external_id] = value
        if len(external_id) == 18:
            found.setdefault(external_id[:15], value)
    return found
