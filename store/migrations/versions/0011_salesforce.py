"""Salesforce connected both ways: the connection, sync state, users, the outbox

Revision ID: 0011
Revises: 0010

A workspace's org and its sealed client secret, how far each object's pull has committed
(a watermark per object, moved page by page), Salesforce Users and the people they are,
and the outbox of changes made here to be written back to Opportunities.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "salesforce_connections",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("instance_url", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("field_map", sa.JSON(), nullable=False),
        sa.Column("calls_used", sa.Integer(), nullable=True),
        sa.Column("calls_limit", sa.Integer(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_salesforce_connections_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_salesforce_connections")),
    )
    op.create_table(
        "salesforce_sync",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("sobject", sa.String(length=40), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_id", sa.String(length=18), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_salesforce_sync_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "sobject", name=op.f("pk_salesforce_sync")),
    )
    op.create_table(
        "salesforce_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=18), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("manager_user_id", sa.String(length=18), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("slack_matched", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_salesforce_users_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_salesforce_users_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_salesforce_users")),
        sa.UniqueConstraint("workspace_id", "user_id", name="uq_salesforce_users"),
    )
    op.create_table(
        "salesforce_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.String(length=18), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("theirs", sa.JSON(), nullable=True),
        sa.Column("theirs_by", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"], ["people.id"], name=op.f("fk_salesforce_outbox_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_salesforce_outbox_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_salesforce_outbox_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_salesforce_outbox")),
    )
    op.create_index(
        "ix_salesforce_outbox_due",
        "salesforce_outbox",
        ["workspace_id", "status", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_salesforce_outbox_due", table_name="salesforce_outbox")
    op.drop_table("salesforce_outbox")
    op.drop_table("salesforce_users")
    op.drop_table("salesforce_sync")
    op.drop_table("salesforce_connections")
