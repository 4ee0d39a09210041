"""forecast calls, forecast-question answers, deal snoozes and weekly nudges

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _people_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["people.id"], name=f"fk_{table}_{column}_people")


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces"
    )


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("questions", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("nudge_weekday", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("nudge_at", sa.String(length=5), nullable=False, server_default="09:00")
        )
        batch.add_column(
            sa.Column("nudges_on", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "forecast_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("overrides", sa.Boolean(), nullable=False),
        sa.Column("called_by_id", sa.Integer(), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        _people_fk("forecast_calls", "called_by_id"),
        _workspace_fk("forecast_calls"),
        sa.PrimaryKeyConstraint("id", name="pk_forecast_calls"),
    )
    op.create_index(
        "ix_forecast_calls_cell",
        "forecast_calls",
        ["workspace_id", "period", "dimension", "value"],
    )
    op.create_table(
        "deal_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name="fk_deal_answers_deal_id_deals"),
        _people_fk("deal_answers", "answered_by_id"),
        _workspace_fk("deal_answers"),
        sa.PrimaryKeyConstraint("id", name="pk_deal_answers"),
    )
    op.create_index("ix_deal_answers_deal", "deal_answers", ["deal_id", "question"])
    op.create_table(
        "deal_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name="fk_deal_snoozes_deal_id_deals"),
        _people_fk("deal_snoozes", "by_id"),
        _workspace_fk("deal_snoozes"),
        sa.PrimaryKeyConstraint("id", name="pk_deal_snoozes"),
    )
    op.create_index("ix_deal_snoozes_deal", "deal_snoozes", ["deal_id", "until"])
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _people_fk("nudges", "person_id"),
        _workspace_fk("nudges"),
        sa.PrimaryKeyConstraint("id", name="pk_nudges"),
        sa.UniqueConstraint("person_id", "week", "kind", name="uq_nudges_claim"),
    )


def downgrade() -> None:
    op.drop_table("nudges")
    op.drop_table("deal_snoozes")
    op.drop_table("deal_answers")
    op.drop_table("forecast_calls")
    with op.batch_alter_table("workspaces") as batch:
        for column in ("nudges_on", "nudge_at", "nudge_weekday", "questions"):
            batch.drop_column(column)
