"""The tables. Every row belongs to exactly one workspace (a Slack team id, `local` in the
console), and every query filters by it.

Without `from __future__ import annotations`: Python evaluates each `Mapped[...]` as the
class is made, where SQLAlchemy would otherwise evaluate 378 strings on every start (15%
of this module's import time, which every `council` command that reads the store pays)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Workspace(Base):
    """One Slack workspace and its configuration."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    currency_symbol: Mapped[str] = mapped_column(String(8), default="$")
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    stale_after_days: Mapped[int] = mapped_column(Integer, default=14)
    action_kinds: Mapped[list[str] | None] = mapped_column(JSON)  # None: the defaults
    questions: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)  # None: the defaults
    nudge_weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday is 0
    nudge_at: Mapped[str] = mapped_column(String(5), default="09:00")  # HH:MM, each rep's
    nudges_on: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when the app is uninstalled (OAuth mode): its jobs stop, its data stays.
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How its people write dates and amounts (a CLDR locale such as de_DE); None: en_US.
    locale: Mapped[str | None] = mapped_column(String(16))


class Person(Base):
    """Someone in the sales organisation; a team is a manager's reports."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slack_user_id", name="uq_people_workspace_user"),
        Index("ix_people_workspace_name", "workspace_id", "display_name"),
        Index("ix_people_workspace_salesforce", "workspace_id", "salesforce_id"),
        Index("ix_people_workspace_email", "workspace_id", "email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="rep")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The CRM's user id (Salesforce's 005...), so an export's OwnerId finds its owner.
    salesforce_id: Mapped[str | None] = mapped_column(String(32))
    # Where the person sells: their deals' region when a deal export gives none.
    region: Mapped[str | None] = mapped_column(String(128))
    # When `display_name` was last checked with Slack (users.info): kept for a day.
    name_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Stage(Base):
    """One step of the workspace's ordered sales process."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_stages_workspace_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    probability: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # open, won or lost


class DimensionValue(Base):
    """A known value of product, region, segment or source."""

    __tablename__ = "dimension_values"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dimension", "value", name="uq_dimension_values"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))


class DealState:
    """The columns a deal and each of its versions share: the deal as it stood."""

    name: Mapped[str] = mapped_column(String(255))
    account: Mapped[str | None] = mapped_column(String(255))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    product: Mapped[str | None] = mapped_column(String(128))
    region: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))  # the stage's open, won or lost
    amount: Mapped[Decimal | None] = mapped_column(Money())
    close_date: Mapped[date | None] = mapped_column(Date)
    created_date: Mapped[date] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(Text)
    forecast_category: Mapped[str] = mapped_column(String(16))
    category_is_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    # The primary campaign (Opportunity.CampaignId), kept in every version so a campaign's
    # opportunities can be counted as of any moment.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))


STATE_FIELDS: tuple[str, ...] = (
    "name",
    "account",
    "owner_id",
    "product",
    "region",
    "segment",
    "source",
    "stage",
    "status",
    "amount",
    "close_date",
    "created_date",
    "next_step",
    "forecast_category",
    "category_is_explicit",
    "campaign_id",
)


# The outcomes of a decided deal, written out (not bound) so that the planners of both
# stores can match a query's condition to the partial index made with it.
DECIDED = "status IN ('won', 'lost')"
# What a period's numbers read of a version, besides its close and created dates.
PERIOD_COLUMNS = [
    "valid_from",
    "valid_to",
    "status",
    "forecast_category",
    "amount",
    "product",
    "region",
    "segment",
    "source",
]


class Deal(DealState, Base):
    """An opportunity as it stands now. Never deleted: closing is a change like any other,
    and an Opportunity deleted in Salesforce keeps its deal and history, its last version
    ending at `deleted_at` with none after it."""

    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id", name="uq_deals_workspace_external"),
        Index("ix_deals_workspace_owner", "workspace_id", "owner_id"),
        Index("ix_deals_workspace_name", "workspace_id", "name"),
        Index(
            "ix_deals_close",
            "workspace_id",
            "close_date",
            postgresql_include=[
                "id",
                "status",
                "forecast_category",
                "owner_id",
                "product",
                "region",
                "segment",
                "source",
                "deleted_at",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the CRM last changed the values an export gave (LastModifiedDate): from then on
    # they are in force, once the history import puts them after the rows before them.
    crm_modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DealVersion(DealState, Base):
    """A deal's state over `[valid_from, valid_to)`, with who changed it, from where, and
    what changed. The state at time t is the one row per deal with
    `valid_from <= t < valid_to` (or valid_to null)."""

    __tablename__ = "deal_versions"
    __table_args__ = (
        UniqueConstraint("deal_id", "version", name="uq_deal_versions_deal_version"),
        Index("ix_deal_versions_asof", "workspace_id", "valid_from", "valid_to"),
        Index("ix_deal_versions_current", "workspace_id", "valid_to"),
        # A period's numbers need only the versions dated in it: closing or created there.
        # On PostgreSQL each index also carries every column those numbers read, so they
        # come from index-only scans, never from the table.
        Index(
            "ix_deal_versions_close",
            "workspace_id",
            "close_date",
            # deal_id too: the week's changes pair each deal's two states (0015).
            postgresql_include=[*PERIOD_COLUMNS, "created_date", "deal_id"],
        ),
        Index(
            "ix_deal_versions_created",
            "workspace_id",
            "created_date",
            postgresql_include=[*PERIOD_COLUMNS, "close_date"],
        ),
        # Only the decided versions (a year of them is a win rate's evidence), without the
        # open ones that outnumber them; a query names DECIDED literally to use it.
        Index(
            "ix_deal_versions_decided",
            "workspace_id",
            "close_date",
            postgresql_include=PERIOD_COLUMNS,
            postgresql_where=text(DECIDED),
            sqlite_where=text(DECIDED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    change_source: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The OpportunityHistory row this version came from (its Id, or its moment), so a
    # history import adds to what is known and a second one of the same rows changes nothing.
    history_key: Mapped[str | None] = mapped_column(String(80))


class Target(Base):
    """A period's target for one dimension value (or the total) and one metric."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "period", "dimension", "value", "metric", name="uq_targets_cell"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    period: Mapped[str] = mapped_column(String(16))  # a fiscal quarter's label
    dimension: Mapped[str] = mapped_column(String(16))  # product, region, ... or total
    value: Mapped[str] = mapped_column(String(128))  # "" for the total
    metric: Mapped[str] = mapped_column(String(16))  # closed or pipegen
    amount: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Council(Base):
    """A weekly pipeline council: its channel, when it meets, and what it looks at."""

    __tablename__ = "councils"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_councils_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str] = mapped_column(String(32))
    dimensions: Mapped[list[str]] = mapped_column(JSON)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday is 0
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    timezone: Mapped[str] = mapped_column(String(64))
    owners_for: Mapped[str] = mapped_column(String(16))  # red or red+yellow
    # How many rows a digest asks owners for at most (migration 0016).
    owners_max: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestRun(Base):
    """One council's digest for one week, claimed before anything is posted.

    The unique (council, week, kind) row is the exactly-once claim; `lease_until` says how
    long the claimant may work before another process may take over and resume.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("council_id", "week", "kind", name="uq_digest_runs_claim"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week of the meeting, 2026-W48
    kind: Mapped[str] = mapped_column(String(48))  # scheduled, or forced:<id>
    status: Mapped[str] = mapped_column(String(12))  # running, posted, failed
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the messages, fixed at claim


class DigestMessage(Base):
    """A message of a run that Slack accepted, so a resumed run skips it."""

    __tablename__ = "digest_messages"
    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_digest_messages_pos"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id"))
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestCell(Base):
    """A cell's value and colour in one digest: the record that shows whether actions
    worked."""

    __tablename__ = "digest_cells"
    __table_args__ = (Index("ix_digest_cells_cell", "council_id", "dimension", "value", "column"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id"))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    week: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(8))
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    column: Mapped[str] = mapped_column(String(16))
    color: Mapped[str | None] = mapped_column(String(8))
    shown: Mapped[str] = mapped_column(String(64))


class Action(Base):
    """An owned action on a council's cell, with its due date and follow-through."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_open", "workspace_id", "status", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("digest_runs.id"))
    label: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(16))
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    column: Mapped[str] = mapped_column(String(16))
    color_at: Mapped[str | None] = mapped_column(String(8))
    shown_at: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))  # open or done
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    snooze_reason: Mapped[str | None] = mapped_column(Text)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    cell_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActionEvent(Base):
    """Something said or done about an action: a comment, done, snooze, reassignment."""

    __tablename__ = "action_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")


class ProcessedKey(Base):
    """An idempotency claim: an event id, a button press or a form submission that has
    already had its effect. Claimed in the same transaction as the effect."""

    __tablename__ = "processed_keys"

    workspace_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ForecastCall(Base):
    """Someone's call of a period's forecast for a cell: an APM cell (`dimension`, `value`;
    the total is `total`, "") or a person's book (`owner`, their id). `overrides` marks a
    manager's call of an APM cell, which replaces the calculated forecast; an amount of
    None withdraws the call. Calls are never changed, so every earlier one stays visible."""

    __tablename__ = "forecast_calls"
    __table_args__ = (
        Index("ix_forecast_calls_cell", "workspace_id", "period", "dimension", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    period: Mapped[str] = mapped_column(String(16))
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    overrides: Mapped[bool] = mapped_column(Boolean, default=False)
    called_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(32))


class DealAnswer(Base):
    """One answer to one forecast question about a deal. Answers are appended, never
    changed: the latest per question is the current one, the rest its history."""

    __tablename__ = "deal_answers"
    __table_args__ = (Index("ix_deal_answers_deal", "deal_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    question: Mapped[str] = mapped_column(String(40))
    answer: Mapped[bool] = mapped_column(Boolean)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    via: Mapped[str] = mapped_column(String(32))


class DealSnooze(Base):
    """A known reason a stale deal should not be nudged about until a date."""

    __tablename__ = "deal_snoozes"
    __table_args__ = (Index("ix_deal_snoozes_deal", "deal_id", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    until: Mapped[date] = mapped_column(Date)  # nudges resume on this day
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Nudge(Base):
    """A weekly DM to one person (a checklist, a clean-your-room list): the unique row is
    the claim that sends it once per week; a failed or abandoned one is tried again."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("person_id", "week", "kind", name="uq_nudges_claim"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    week: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))  # sending, sent, failed
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class ForecastSnapshot(Base):
    """A cell's forecast call and calculated forecast as they stood in week `week` (1 for
    the period's first) of a period, taken at a council's digest time. Written once and
    never changed: later calls and deal changes leave it as it was, which is what makes
    it a record of what was forecast then."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "period", "week", "dimension", "value", name="uq_forecast_snapshots"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    period: Mapped[str] = mapped_column(String(16))
    week: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    call: Mapped[Decimal | None] = mapped_column(Money())  # None: no call in force
    calculated: Mapped[Decimal] = mapped_column(Money())
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertSubscription(Base):
    """Someone's (or a channel's) wish to hear of deal events: which events, about which
    deals, and how often. `channel` is where alerts go: a channel id, or the subscriber's
    user id for a DM. Removing one deactivates it, so its posted alerts keep their key."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (Index("ix_alert_subscriptions_workspace", "workspace_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(32))
    events: Mapped[list[str]] = mapped_column(JSON)
    change_pct: Mapped[int | None] = mapped_column(Integer)
    change_amount: Mapped[Decimal | None] = mapped_column(Money())
    new_amount: Mapped[Decimal | None] = mapped_column(Money())
    team_of_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    dimension: Mapped[str | None] = mapped_column(String(16))
    dimension_value: Mapped[str | None] = mapped_column(String(128))
    min_amount: Mapped[Decimal | None] = mapped_column(Money())
    cadence: Mapped[str] = mapped_column(String(8))  # now, hourly, daily
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertCursor(Base):
    """How far a workspace's deal versions have been read for alerts (the watermark), the
    last day whose passed close dates were checked, and the lease of whoever delivers."""

    __tablename__ = "alert_cursors"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer)
    slips_checked: Mapped[date] = mapped_column(Date)
    # Bumped by every reading, which claims it by compare-and-set: of racing clocks, one reads.
    readings: Mapped[int] = mapped_column(Integer, default=0)
    delivering_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Alert(Base):
    """What one subscription hears about one deal in one batch (an hour, or a day for a
    daily digest): its events, appended as they are found; `revision` counts them, and
    `posted_revision` says how many the posted message shows, so a later event edits it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subscription_id", "deal_id", "batch", name="uq_alerts_batch"),
        Index("ix_alerts_pending", "workspace_id", "posted_revision", "revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscriptions.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    batch: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer)
    posted_revision: Mapped[int] = mapped_column(Integer, default=0)
    ts: Mapped[str | None] = mapped_column(String(32))


class Lead(Base):
    """A lead marketing hands to sales: who and where from, its owner, its status and the
    moment of each step of the hand-off (SPEC section 9). The campaign is kept as the CRM's
    Id string, so a lead can name a campaign before (or without) that campaign's row."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id", name="uq_leads_workspace_external"),
        # The SLA's figures read a period's MQLs only: a range on the MQL moment.
        Index("ix_leads_workspace_mql", "workspace_id", "mql_at"),
        Index("ix_leads_workspace_owner", "workspace_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    company: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str | None] = mapped_column(String(128))
    campaign_external_id: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(12))  # Open, MQL, accepted, rejected, converted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mql_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    converted_deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    converted_deal_external_id: Mapped[str | None] = mapped_column(String(64))
    # The values of the fields the SLA requires before hand-off, by field name.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hand-off in Slack: when it went to its owner (or back to marketing), the last
    # reminder, and when the manager heard of a breach (once).
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breach_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Deleted in Salesforce: kept for the SLA's history, no longer handed off.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sales' feedback on a rejection: when its reason was given, and the notices of its
    # window (the owner asked, reminded; marketing and the manager told it ran out).
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_late_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Steps whose moment an import took from LastModifiedDate or CreatedDate (the Status
    # named the step, the row had no date for it): LeadHistory's exact moment replaces them.
    guessed_steps: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeadChange(Base):
    """One change of a lead's status, kept: who, when, from where and why."""

    __tablename__ = "lead_changes"
    __table_args__ = (Index("ix_lead_changes_lead", "lead_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_status: Mapped[str | None] = mapped_column(String(12))
    new_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    via: Mapped[str] = mapped_column(String(32))


class SlaSettings(Base):
    """A workspace's sales and marketing SLA (SPEC section 9); no row means the defaults.
    The MQL target lives with the other targets (metric `mqls`)."""

    __tablename__ = "sla_settings"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    follow_up_hours: Mapped[int] = mapped_column(Integer, default=24)
    day_starts: Mapped[str] = mapped_column(String(5), default="09:00")  # HH:MM, owner's zone
    day_ends: Mapped[str] = mapped_column(String(5), default="17:00")
    workdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # Monday is 0
    feedback_days: Mapped[int] = mapped_column(Integer, default=5)
    rejection_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    marketing_channel: Mapped[str | None] = mapped_column(String(32))
    handoff_channel: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CouncilDaily(Base):
    """A council's optional daily post (`/council edit NAME daily=pipegen`), posted once a
    day at `at_time` in the council's time zone; each day's post is a `DigestRun` whose
    week is the local date and whose kind is `daily-<kind>`."""

    __tablename__ = "council_dailies"

    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(16))  # pipegen
    at_time: Mapped[str] = mapped_column(String(5), default="08:00")  # HH:MM, local


class ImportMap(Base):
    """A column (`kind` columns) or stage (`kind` stages) map an admin gave an import once:
    what the export calls it (`theirs`) and what it is here (`ours`), reused by later
    imports of the workspace."""

    __tablename__ = "import_maps"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "theirs", name="uq_import_maps_entry"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(8))
    theirs: Mapped[str] = mapped_column(String(255))
    ours: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QueuedWork(Base):
    """A slash command or a press acknowledged to Slack and not yet answered: written before
    the ack, so a web process that dies after it loses nothing; a worker claims it for a
    lease, answers it and deletes it (see store/queue.py)."""

    __tablename__ = "queued_work"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Free to claim when null or past: a claimer that died leaves its lease to run out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Campaign(Base):
    """A marketing campaign with Salesforce's fields; `parent_id` makes the hierarchy."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id", name="uq_campaigns_workspace_external"),
        Index("ix_campaigns_workspace_name", "workspace_id", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))  # the Salesforce Id
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    budgeted_cost: Mapped[Decimal | None] = mapped_column(Money())
    actual_cost: Mapped[Decimal | None] = mapped_column(Money())
    expected_revenue: Mapped[Decimal | None] = mapped_column(Money())
    # A percentage with two decimals (Salesforce's ExpectedResponse), exact as hundredths.
    expected_response: Mapped[Decimal | None] = mapped_column(Money())
    number_sent: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignMemberStatus(Base):
    """A status a campaign's members can have (Salesforce's CampaignMemberStatus)."""

    __tablename__ = "campaign_member_statuses"
    __table_args__ = (
        UniqueConstraint("campaign_id", "label", name="uq_campaign_member_statuses_label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    label: Mapped[str] = mapped_column(String(128))
    has_responded: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class CampaignMember(Base):
    """A lead or contact in a campaign, with its status now; its statuses over time are
    its versions."""

    __tablename__ = "campaign_members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id", name="uq_campaign_members_external"),
        Index("ix_campaign_members_campaign", "campaign_id", "lead_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))  # the Salesforce Id
    lead_id: Mapped[str | None] = mapped_column(String(64))  # a Lead's Salesforce Id
    contact_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(128))
    first_responded_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_date: Mapped[date] = mapped_column(Date)  # in the workspace's time zone


class CampaignMemberVersion(Base):
    """A member's status over `[valid_from, valid_to)`, so "status at t" is one range
    query. `campaign_id` and `created_date` repeat the member's, so a campaign's figures
    read this table alone."""

    __tablename__ = "campaign_member_versions"
    __table_args__ = (
        # Every column a campaign's figures read, so they come from the index alone: on
        # SQLite, without them, the grouped pass fetched each version from the table.
        Index(
            "ix_campaign_member_versions_asof",
            "workspace_id",
            "campaign_id",
            "valid_from",
            "valid_to",
            "status",
            "created_date",
        ),
        Index("ix_campaign_member_versions_member", "member_id", "valid_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("campaign_members.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    status: Mapped[str] = mapped_column(String(128))
    created_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


# A campaign's opportunities as of t: the versions carrying a campaign.
Index("ix_deal_versions_campaign", DealVersion.workspace_id, DealVersion.campaign_id)


class SalesforceConnection(Base):
    """A workspace's Salesforce org: where it is, the connected app's credentials (the
    secret sealed with COUNCIL_SECRET_KEY), which Opportunity fields feed the dimensions,
    the API calls the org reported used, and the lease that lets one process sync at once."""

    __tablename__ = "salesforce_connections"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    instance_url: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(Text)  # sealed
    field_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # dimension -> field
    calls_used: Mapped[int | None] = mapped_column(Integer)
    calls_limit: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SalesforceSync(Base):
    """How far one object's pull has committed: every record up to `watermark` (its
    SystemModstamp) is in the store. Each page moves it in the page's own transaction."""

    __tablename__ = "salesforce_sync"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    sobject: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_id: Mapped[str | None] = mapped_column(String(18))  # the last record committed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class SalesforceUser(Base):
    """A Salesforce User and the person it is here; `slack_matched` when Slack knew the
    email (`users.lookupByEmail`)."""

    __tablename__ = "salesforce_users"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_salesforce_users"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    user_id: Mapped[str] = mapped_column(String(18))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    manager_user_id: Mapped[str | None] = mapped_column(String(18))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    slack_matched: Mapped[bool] = mapped_column(Boolean, default=False)


class SalesforceOutbox(Base):
    """A change made here to a deal from Salesforce, to be written to its Opportunity.

    Recorded in the change's own transaction; `values` are Salesforce fields and what to
    write, `before` what the council held for them, `seen` the Opportunity's
    LastModifiedDate when the council last read it. Status: pending, sent, conflict,
    refused, kept (Salesforce's kept after a conflict), gone (deleted there)."""

    __tablename__ = "salesforce_outbox"
    __table_args__ = (Index("ix_salesforce_outbox_due", "workspace_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    opportunity_id: Mapped[str] = mapped_column(String(18))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    theirs: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # Salesforce's, at a conflict
    theirs_by: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
