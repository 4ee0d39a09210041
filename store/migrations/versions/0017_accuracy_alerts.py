"""weekly forecast snapshots (forecast accuracy) and deal alerts

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("call", sa.BigInteger(), nullable=True),
        sa.Column("calculated", sa.BigInteger(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_forecast_snapshots_workspace_id_workspaces",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_forecast_snapshots"),
        sa.UniqueConstraint(
            "workspace_id", "period", "week", "dimension", "value", name="uq_forecast_snapshots"
        ),
    )

    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("change_pct", sa.Integer(), nullable=True),
        sa.Column("change_amount", sa.BigInteger(), nullable=True),
        sa.Column("new_amount", sa.BigInteger(), nullable=True),
        sa.Column("team_of_id", sa.Integer(), nullable=True),
        sa.Column("dimension", sa.String(length=16), nullable=True),
        sa.Column("dimension_value", sa.String(length=128), nullable=True),
        sa.Column("min_amount", sa.BigInteger(), nullable=True),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_alert_subscriptions_workspace_id_workspaces",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_alert_subscriptions_person_id_people"
        ),
        sa.ForeignKeyConstraint(
            ["team_of_id"], ["people.id"], name="fk_alert_subscriptions_team_of_id_people"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_subscriptions"),
    )
    op.create_index(
        "ix_alert_subscriptions_workspace", "alert_subscriptions", ["workspace_id", "active"]
    )
    op.create_table(
        "alert_cursors",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("slips_checked", sa.Date(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("delivering_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_alert_cursors_workspace_id_workspaces"
        ),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_alert_cursors"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("posted_revision", sa.Integer(), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_alerts_workspace_id_workspaces"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name="fk_alerts_subscription_id_alert_subscriptions",
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name="fk_alerts_deal_id_deals"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("subscription_id", "deal_id", "batch", name="uq_alerts_batch"),
    )
    op.create_index("ix_alerts_pending", "alerts", ["workspace_id", "posted_revision", "revision"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("alert_cursors")
    op.drop_index("ix_alert_subscriptions_workspace", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
    op.drop_table("forecast_snapshots")
