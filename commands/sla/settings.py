"""A workspace's SLA as the use cases read it: the stored settings, or SPEC's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from commands.business_hours import WORKING_WEEK, BusinessDays, add_business_hours
from store import leads as store_leads
from store.models import SlaSettings

DEFAULT_REASONS = (
    "Not a fit",
    "No budget",
    "Wrong contact",
    "Already in pipeline",
    "No response",
)
# Lead fields the SLA may require before hand-off (SPEC section 8's Lead columns).
LEAD_FIELDS = ("company", "email", "source", "segment", "campaign", "owner")


@dataclass(frozen=True)
class Sla:
    """The follow-up clock and everything the hand-off needs to know."""

    follow_up_hours: int = 24
    days: BusinessDays = WORKING_WEEK
    feedback_days: int = 5
    required_fields: tuple[str, ...] = ()
    rejection_reasons: tuple[str, ...] = DEFAULT_REASONS
    marketing_channel: str | None = None
    handoff_channel: str | None = None

    def feedback_deadline(self, rejected: datetime, zone: ZoneInfo) -> datetime:
        """When the feedback window of a rejection made at `rejected` runs out:
        `feedback_days` working days' worth of business hours on `zone`'s clock (5 days of
        09:00-17:00 are 40 business hours: a rejection on Friday at 16:00 has until the
        next Friday at 16:00; one on Saturday, until Friday at 17:00)."""
        return add_business_hours(rejected, self.feedback_days * self.day_hours, zone, self.days)

    @property
    def day_hours(self) -> Decimal:
        """A working day's length in hours."""
        starts, ends = self.days.starts, self.days.ends
        return Decimal((ends.hour - starts.hour) * 60 + ends.minute - starts.minute) / 60


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def from_row(row: SlaSettings | None) -> Sla:
    if row is None:
        return Sla()
    return Sla(
        follow_up_hours=row.follow_up_hours,
        days=BusinessDays(
            _clock(row.day_starts),
            _clock(row.day_ends),
            frozenset(row.workdays) if row.workdays else WORKING_WEEK.workdays,
        ),
        feedback_days=row.feedback_days,
        required_fields=tuple(row.required_fields or ()),
        rejection_reasons=tuple(row.rejection_reasons or DEFAULT_REASONS),
        marketing_channel=row.marketing_channel,
        handoff_channel=row.handoff_channel,
    )


def sla_of(session: Session, workspace_id: str) -> Sla:
    return from_row(store_leads.get_settings(session, workspace_id))
