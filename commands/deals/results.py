"""What the /deal family returns: plain data for any connector to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from commands.checklist import AnswerLine
from commands.cleanup import SnoozeForm
from commands.formatting import short_money
from commands.results import Choice, Duplicate, FormErrors, Help, Notice, Problem, Refused

# The buttons and the form /deal's replies offer (Slack's action and callback ids).
DEAL_PICK = "deal.pick"
DEAL_CREATE = "deal.create"
DEAL_SNOOZE = "deal.snooze"
DEAL_FORM = "deal_form"


@dataclass(frozen=True)
class DealView:
    """A deal as a reader sees it."""

    id: int
    name: str
    account: str | None
    owner: str
    owner_user_id: str | None
    stage: str
    status: str
    amount: Decimal | None
    close_date: date | None
    created_date: date
    next_step: str | None
    category: str
    category_is_explicit: bool
    product: str | None
    region: str | None
    segment: str | None
    source: str | None
    external_id: str | None
    updated_at: datetime
    currency: str
    stale: tuple[str, ...] = ()
    campaign: str | None = None  # the primary campaign's name

    @property
    def label(self) -> str:
        """A one-line summary for lists and buttons."""
        parts = [self.name, self.owner, self.stage, short_money(self.amount, self.currency)]
        if self.close_date:
            parts.append(f"closes {self.close_date.isoformat()}")
        return " · ".join(parts)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class DealSaved:
    """A deal was created or changed (or, with no changes, already said what was asked)."""

    deal: DealView
    created: bool
    changes: list[FieldChange]
    notes: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not self.created and not self.changes


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    via: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class DealCard:
    deal: DealView
    history: list[HistoryEntry]
    can_edit: bool
    answers: list[AnswerLine] = field(default_factory=list)
    snoozed: tuple[date, str] | None = None  # nudges resume on that day; why


@dataclass(frozen=True)
class DealList:
    title: str
    deals: list[DealView]
    more: bool = False
    empty: str = "No deals."


@dataclass(frozen=True)
class DealForm:
    """Open the deal form: for `deal` or, when None, a new one."""

    deal: DealView | None
    stages: list[str]
    categories: list[str]
    known_values: dict[str, list[str]]
    can_set_owner: bool
    name: str = ""


# The Deals button on a digest's cells and "what changed" lines, and a drill-down's pages.
DEAL_DRILL = "deal.drill"
# Slack wants the buttons of one block to have distinct ids: the previous page has its own.
DEAL_DRILL_BACK = "deal.drill.back"


@dataclass(frozen=True)
class DrillLine:
    """A deal behind a cell, and how it moved this week (None: it did not)."""

    deal: DealView
    move: str | None


@dataclass(frozen=True)
class DealDrill:
    """One page of the deals behind a cell; `query` is what a page button sends back."""

    title: str
    period: str
    lines: list[DrillLine]
    page: int
    pages: int
    total: int
    since: date
    seen_as: str
    query: dict[str, object]


DealResult = (
    DealSaved
    | DealCard
    | DealList
    | DealForm
    | FormErrors
    | Choice
    | Problem
    | Refused
    | Notice
    | Help
    | Duplicate
    | SnoozeForm
    | DealDrill
)
