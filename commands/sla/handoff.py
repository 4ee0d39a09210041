"""The hand-off: an MQL goes to its owner with Accept and Reject; a lead missing a required
field goes back to marketing instead; reminders before the follow-up time runs out; a
breach tells the owner's manager once (SPEC sections 5 and 9).

The clock finds what is due (`notices_due`) and claims each notice in the same transaction
that marks it on the lead, so of several clocks one sends it; a notice Slack refused is
given back (`notice_not_sent`) for the next round, which first looks whether it got through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from commands.business_hours import add_business_hours, business_hours
from commands.context import Actor, Env, Pressed, Submitted
from commands.permissions import acts_for
from commands.results import CommandError, Duplicate, FormErrors, Notice, Problem, Refused, Stop
from commands.sla.settings import Sla, sla_of
from commands.unit import Unit, run_job, run_unit
from store import campaigns, keys, people, workspaces
from store import leads as store_leads
from store.models import Lead, Person

LEAD_ACCEPT = "lead.accept"
LEAD_REJECT = "lead.reject"
LEAD_REJECT_FORM = "lead_reject_form"

# MQLs older than this when the bot first sees them (a history import) are history, not
# leads to hand off now.
HANDOFF_WINDOW = timedelta(days=7)
# A reminder goes out once this many business hours (or fewer) are left.
REMIND_HOURS_LEFT = 4
# Each kind of notice and the lead's column that marks it sent. The feedback kinds are a
# rejection's without a reason: its owner asked, reminded a working day before its window
# runs out, marketing and the manager told once it has.
MARKS = {
    "handoff": "handed_off_at",
    "returned": "returned_at",
    "reminder": "reminded_at",
    "breach": "breach_told_at",
    "feedback": "feedback_asked_at",
    "feedback_reminder": "feedback_reminded_at",
    "feedback_late": "feedback_late_told_at",
    "feedback_late_manager": "feedback_late_told_at",
}
WHO_DECIDES = "the lead's owner, their manager or an admin"


@dataclass(frozen=True)
class LeadView:
    """A lead as its owner, manager and marketing read it."""

    id: int
    external_id: str | None
    name: str
    company: str | None
    email: str | None
    source: str | None
    segment: str | None
    campaign: str | None
    owner: str
    owner_user_id: str | None
    mql_at: datetime | None
    due_at: datetime | None  # when the follow-up time runs out
    status: str
    reason: str | None
    follow_up_hours: int
    rejected_at: datetime | None = None
    feedback_due_at: datetime | None = None  # when the window for the reason runs out
    feedback_days: int = 5


@dataclass(frozen=True)
class LeadNotice:
    """A message the clock sends about a lead: to its owner (a hand-off, a reminder), its
    owner's manager (a breach) or marketing (a lead returned for missing fields)."""

    workspace_id: str
    kind: str
    lead: LeadView
    channel: str
    missing: tuple[str, ...] = ()
    again: bool = False  # an earlier attempt may have got through

    @property
    def key(self) -> str:
        return _notice_key(self.kind, self.lead.id)


@dataclass(frozen=True)
class LeadDecided:
    """A lead accepted or rejected from its hand-off: marketing hears of a rejection."""

    lead: LeadView
    by: str
    accepted: bool
    detail: str = ""
    marketing_channel: str | None = None


@dataclass(frozen=True)
class RejectForm:
    lead: LeadView
    reasons: tuple[str, ...]


HandoffResult = LeadDecided | RejectForm | Notice | Stop | Duplicate


def _campaign_name(session: Session, lead: Lead) -> str | None:
    """The lead's campaign as people know it: its name once the campaign is imported."""
    if not lead.campaign_external_id:
        return None
    name = campaigns.name_of_external_id(session, lead.workspace_id, lead.campaign_external_id)
    return name or lead.campaign_external_id


def view_of(session: Session, lead: Lead, sla: Sla, zone: ZoneInfo) -> LeadView:
    owner = people.get_person(session, lead.workspace_id, lead.owner_id) if lead.owner_id else None
    due = feedback_due = None
    own = ZoneInfo(owner.timezone) if owner and owner.timezone else zone
    if lead.mql_at is not None:
        due = add_business_hours(lead.mql_at, sla.follow_up_hours, own, sla.days)
    if lead.rejected_at is not None:
        feedback_due = sla.feedback_deadline(lead.rejected_at, own)
    return LeadView(
        lead.id,
        lead.external_id,
        lead.name,
        lead.company,
        lead.email,
        lead.source,
        lead.segment,
        _campaign_name(session, lead),
        owner.display_name if owner else "no owner",
        owner.slack_user_id if owner else None,
        lead.mql_at,
        due,
        lead.status,
        lead.rejection_reason,
        sla.follow_up_hours,
        lead.rejected_at,
        feedback_due,
        sla.feedback_days,
    )


def missing_fields(lead: Lead, required: tuple[str, ...]) -> tuple[str, ...]:
    """The required fields the lead has no value for."""
    values = {
        "company": lead.company,
        "email": lead.email,
        "source": lead.source,
        "segment": lead.segment,
        "campaign": lead.campaign_external_id,
        "owner": lead.owner_id,
    }
    return tuple(
        name
        for name in required
        if not (values[name] if name in values else (lead.fields or {}).get(name))
    )


def _notice_key(kind: str, lead_id: int) -> str:
    return f"lead-{kind}:{lead_id}"


def _again_key(kind: str, lead_id: int) -> str:
    return f"lead-{kind}-again:{lead_id}"


def _open_leads(session: Session, workspace_id: str | None, now: datetime) -> list[Lead]:
    """MQLs not yet followed up that have something left to be told: a recent one not yet
    handed off, or one handed off whose reminder or breach is still to come."""
    waiting = and_(
        Lead.mql_at.is_not(None),
        Lead.accepted_at.is_(None),
        Lead.rejected_at.is_(None),
        Lead.converted_at.is_(None),
        Lead.deleted_at.is_(None),
    )
    fresh = and_(
        Lead.handed_off_at.is_(None), Lead.returned_at.is_(None), Lead.mql_at > now - HANDOFF_WINDOW
    )
    followed = and_(
        Lead.handed_off_at.is_not(None),
        or_(Lead.reminded_at.is_(None), Lead.breach_told_at.is_(None)),
    )
    query = select(Lead).where(waiting, Lead.mql_at <= now, or_(fresh, followed))
    if workspace_id is not None:
        query = query.where(Lead.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Lead.id)))


def notices_due(env: Env, workspace_id: str | None = None) -> list[LeadNotice]:
    """Every hand-off, return, reminder and breach notice due now, and every notice of a
    rejection's feedback window, each claimed once."""

    def work(session: Session, now: datetime) -> list[LeadNotice]:
        installed = set(workspaces.workspace_ids(session, active_only=True))
        due: list[LeadNotice] = []
        settings: dict[str, tuple[Sla, ZoneInfo]] = {}
        leads = [(lead, _due) for lead in _open_leads(session, workspace_id, now)]
        leads += [
            (lead, _feedback_due)
            for lead in store_leads.awaiting_feedback(session, workspace_id, now)
        ]
        for lead, find in leads:
            if lead.workspace_id not in installed:
                continue
            if lead.workspace_id not in settings:
                workspace = workspaces.get_workspace(session, lead.workspace_id)
                assert workspace is not None
                settings[lead.workspace_id] = (
                    sla_of(session, lead.workspace_id),
                    ZoneInfo(workspace.timezone),
                )
            sla, zone = settings[lead.workspace_id]
            for notice in find(session, lead, sla, zone, now):
                if not keys.claim(session, lead.workspace_id, notice.key, now):
                    continue
                again = keys.exists(session, lead.workspace_id, _again_key(notice.kind, lead.id))
                due.append(
                    LeadNotice(
                        notice.workspace_id,
                        notice.kind,
                        notice.lead,
                        notice.channel,
                        notice.missing,
                        again,
                    )
                )
                _mark(lead, notice.kind, now)
        return due

    return run_job(env, work)


def _owner(session: Session, lead: Lead) -> Person | None:
    return people.get_person(session, lead.workspace_id, lead.owner_id) if lead.owner_id else None


def _due(session: Session, lead: Lead, sla: Sla, zone: ZoneInfo, now: datetime) -> list[LeadNotice]:
    found = _handoff_due(session, lead, sla, zone, now)
    return [found] if found is not None else []


def _handoff_due(
    session: Session, lead: Lead, sla: Sla, zone: ZoneInfo, now: datetime
) -> LeadNotice | None:
    view = view_of(session, lead, sla, zone)
    owner = _owner(session, lead)
    if lead.handed_off_at is None:
        missing = missing_fields(lead, sla.required_fields)
        to_owner = (owner.slack_user_id if owner else None) or sla.handoff_channel
        if to_owner is None and "owner" not in missing:
            missing = (*missing, "owner in Slack")
        if missing:
            if sla.marketing_channel is None:
                lead.returned_at = now  # no one to return it to; /sla says so
                return None
            return LeadNotice(lead.workspace_id, "returned", view, sla.marketing_channel, missing)
        assert to_owner is not None
        return LeadNotice(lead.workspace_id, "handoff", view, to_owner)
    assert view.due_at is not None and lead.mql_at is not None
    own = ZoneInfo(owner.timezone) if owner and owner.timezone else zone
    if now >= view.due_at:
        if lead.breach_told_at is not None:
            return None
        manager = (
            people.get_person(session, lead.workspace_id, owner.manager_id)
            if (owner and owner.manager_id)
            else None
        )
        to = (manager.slack_user_id if manager else None) or sla.marketing_channel
        if to is None:
            lead.breach_told_at = lead.reminded_at = now
            return None
        return LeadNotice(lead.workspace_id, "breach", view, to)
    left = business_hours(now, view.due_at, own, sla.days)
    if lead.reminded_at is None and left <= REMIND_HOURS_LEFT and view.owner_user_id:
        return LeadNotice(lead.workspace_id, "reminder", view, view.owner_user_id)
    return None


def _feedback_due(
    session: Session, lead: Lead, sla: Sla, zone: ZoneInfo, now: datetime
) -> list[LeadNotice]:
    """A rejection without a reason: the owner is asked for one (with the reason picker),
    reminded when a working day of the window is left, and once it has run out marketing's
    channel and the owner's manager are told, once. A rejection first seen after its
    window ran out (an old export) is history: no one is asked or told."""
    view = view_of(session, lead, sla, zone)
    assert view.feedback_due_at is not None
    owner = _owner(session, lead)
    if now >= view.feedback_due_at:
        if lead.feedback_asked_at is None:
            lead.feedback_asked_at = lead.feedback_reminded_at = lead.feedback_late_told_at = now
            return []
        manager = (
            people.get_person(session, lead.workspace_id, owner.manager_id)
            if owner and owner.manager_id
            else None
        )
        told = [
            LeadNotice(lead.workspace_id, kind, view, to)
            for kind, to in (
                ("feedback_late", sla.marketing_channel),
                ("feedback_late_manager", manager.slack_user_id if manager else None),
            )
            if to
        ]
        if not told:
            lead.feedback_late_told_at = now  # no one to tell; /sla counts it late
        return told
    if view.owner_user_id is None:
        lead.feedback_asked_at = lead.feedback_reminded_at = now  # no one to ask in Slack
        return []
    if lead.feedback_asked_at is None:
        return [LeadNotice(lead.workspace_id, "feedback", view, view.owner_user_id)]
    own = ZoneInfo(owner.timezone) if owner and owner.timezone else zone
    left = business_hours(now, view.feedback_due_at, own, sla.days)
    if lead.feedback_reminded_at is None and left <= sla.day_hours:
        return [LeadNotice(lead.workspace_id, "feedback_reminder", view, view.owner_user_id)]
    return []


def _mark(lead: Lead, kind: str, now: datetime) -> None:
    setattr(lead, MARKS[kind], now)
    if kind == "breach" and lead.reminded_at is None:
        # Past its time a reminder is moot; marking it keeps the lead out of every round.
        lead.reminded_at = now
    if kind.startswith("feedback_late"):
        lead.feedback_reminded_at = lead.feedback_reminded_at or now


def notice_not_sent(env: Env, notice: LeadNotice) -> None:
    """Slack refused the notice, or no answer came: give back its claim for the next round,
    which looks first whether this attempt got through after all."""

    def work(session: Session, now: datetime) -> None:
        keys.release(session, notice.workspace_id, notice.key)
        keys.claim(session, notice.workspace_id, _again_key(notice.kind, notice.lead.id), now)
        lead = store_leads.get_lead(session, notice.workspace_id, notice.lead.id)
        if lead is not None:
            _unmark(lead, notice.kind)

    run_job(env, work)


def _unmark(lead: Lead, kind: str) -> None:
    setattr(lead, MARKS[kind], None)


def _lead_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _decidable(
    unit: Unit, text: str, *, reason: bool = False
) -> tuple[Lead, Sla, ZoneInfo] | Notice:
    """The lead a button names, if the presser may decide it and it is still undecided
    (with `reason`, also a rejection still waiting for its reason); a lead already decided
    says so (a second click has no second effect)."""
    person, workspace = unit.member()
    lead_id = _lead_id(text)
    lead = store_leads.lock_lead(unit.session, workspace.id, lead_id) if lead_id else None
    if lead is None:
        raise CommandError(Problem("That lead is no longer here; ask marketing to hand it off."))
    owner = _owner(unit.session, lead)
    # As for deals: the owner, anyone above them who manages, an admin.
    may = person.role == "admin" or (
        lead.owner_id is not None and acts_for(unit.session, person, lead.owner_id)
    )
    if not may:
        name = owner.display_name if owner else "its owner"
        raise CommandError(Refused(f"This lead is {name}'s to accept or reject.", WHO_DECIDES))
    waiting = lead.rejected_at is not None and lead.feedback_at is None
    if reason and waiting and lead.accepted_at is None:
        return lead, sla_of(unit.session, workspace.id), ZoneInfo(workspace.timezone)
    if lead.accepted_at is not None or lead.rejected_at is not None:
        moment = lead.accepted_at or lead.rejected_at
        assert moment is not None
        what = "accepted" if lead.accepted_at is not None else "rejected"
        return Notice(f"{lead.name} was already {what} ({moment:%Y-%m-%d %H:%M} UTC).")
    return lead, sla_of(unit.session, workspace.id), ZoneInfo(workspace.timezone)


def press_accept(env: Env, actor: Actor, pressed: Pressed) -> HandoffResult:
    """The hand-off's **Accept** button: the lead is sales's now."""

    def work(unit: Unit) -> LeadDecided | Notice:
        found = _decidable(unit, pressed.value)
        if not isinstance(found, tuple):
            return found
        lead, sla, zone = found
        lead.accepted_at = unit.now
        store_leads.record_change(
            unit.session, lead, "accepted", at=unit.now, via=actor.via, by_id=unit.me.id
        )
        lead.updated_at = unit.now
        return LeadDecided(view_of(unit.session, lead, sla, zone), unit.me.display_name, True)

    return run_unit(env, actor, work, key=pressed.key)


def press_reject(env: Env, actor: Actor, pressed: Pressed) -> HandoffResult:
    """The hand-off's **Reject** button: the form asking why."""

    def work(unit: Unit) -> RejectForm | Notice:
        found = _decidable(unit, pressed.value, reason=True)
        if not isinstance(found, tuple):
            return found
        lead, sla, zone = found
        return RejectForm(view_of(unit.session, lead, sla, zone), sla.rejection_reasons)

    return run_unit(env, actor, work)


def submit_reject(env: Env, actor: Actor, form: Submitted) -> HandoffResult:
    """The rejection form sent: the reason (the workspace's list) and what else to say."""
    reason = form.values.get("reason", "").strip()
    detail = form.values.get("detail", "").strip()[:2000]
    lead_id = str(form.metadata.get("lead", ""))

    def work(unit: Unit) -> LeadDecided | Notice:
        found = _decidable(unit, lead_id, reason=True)
        if not isinstance(found, tuple):
            return found
        lead, sla, zone = found
        if reason not in sla.rejection_reasons:
            listed = ", ".join(sla.rejection_reasons)
            raise CommandError(FormErrors({"reason": f"Choose one of: {listed}"}))
        # A lead rejected elsewhere (an import, Salesforce) keeps its moment: this is its
        # feedback, given now.
        lead.rejected_at = lead.rejected_at or unit.now
        lead.rejection_reason = reason
        lead.feedback_at = unit.now
        said = f"{reason}: {detail}" if detail else reason
        store_leads.record_change(
            unit.session,
            lead,
            "rejected",
            at=unit.now,
            via=actor.via,
            by_id=unit.me.id,
            reason=said,
        )
        lead.updated_at = unit.now
        return LeadDecided(
            view_of(unit.session, lead, sla, zone),
            unit.me.display_name,
            False,
            detail,
            sla.marketing_channel,
        )

    return run_unit(env, actor, work, key=form.key)
