"""campaigns, their member statuses, members and member status history; deals' campaign

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces"
    )


def _campaign_fk(table: str, column: str = "campaign_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["campaigns.id"], name=f"fk_{table}_{column}_campaigns"
    )


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("budgeted_cost", sa.BigInteger(), nullable=True),
        sa.Column("actual_cost", sa.BigInteger(), nullable=True),
        sa.Column("expected_revenue", sa.BigInteger(), nullable=True),
        sa.Column("expected_response", sa.BigInteger(), nullable=True),
        sa.Column("number_sent", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _campaign_fk("campaigns", "parent_id"),
        _workspace_fk("campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_campaigns_workspace_external"),
    )
    op.create_index("ix_campaigns_workspace_name", "campaigns", ["workspace_id", "name"])
    op.create_table(
        "campaign_member_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("has_responded", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        _campaign_fk("campaign_member_statuses"),
        _workspace_fk("campaign_member_statuses"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_member_statuses"),
        sa.UniqueConstraint("campaign_id", "label", name="uq_campaign_member_statuses_label"),
    )
    op.create_table(
        "campaign_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=128), nullable=False),
        sa.Column("first_responded_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_date", sa.Date(), nullable=False),
        _campaign_fk("campaign_members"),
        _workspace_fk("campaign_members"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_members"),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_campaign_members_external"),
    )
    op.create_index(
        "ix_campaign_members_campaign",
        "campaign_members",
        ["campaign_id", "lead_id", "contact_id"],
    )
    op.create_table(
        "campaign_member_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=128), nullable=False),
        sa.Column("created_date", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        _campaign_fk("campaign_member_versions"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["campaign_members.id"],
            name="fk_campaign_member_versions_member_id_campaign_members",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["people.id"],
            name="fk_campaign_member_versions_changed_by_id_people",
        ),
        _workspace_fk("campaign_member_versions"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_member_versions"),
    )
    op.create_index(
        "ix_campaign_member_versions_asof",
        "campaign_member_versions",
        ["workspace_id", "campaign_id", "valid_from", "valid_to", "status", "created_date"],
    )
    op.create_index(
        "ix_campaign_member_versions_member",
        "campaign_member_versions",
        ["member_id", "valid_to"],
    )
    for table in ("deals", "deal_versions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_campaign_id_campaigns", "campaigns", ["campaign_id"], ["id"]
            )
    op.create_index("ix_deal_versions_campaign", "deal_versions", ["workspace_id", "campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_deal_versions_campaign", table_name="deal_versions")
    for table in ("deal_versions", "deals"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_campaign_id_campaigns", type_="foreignkey")
            batch.drop_column("campaign_id")
    op.drop_table("campaign_member_versions")
    op.drop_table("campaign_members")
    op.drop_table("campaign_member_statuses")
    op.drop_index("ix_campaigns_workspace_name", table_name="campaigns")
    op.drop_table("campaigns")
