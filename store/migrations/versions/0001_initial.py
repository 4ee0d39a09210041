"""deals, people, workspaces and their history

Revision ID: 0001
Revises:
Create Date: 2026-11-23 02:02:44.241684
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "processed_keys",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=191), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "key", name=op.f("pk_processed_keys")),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("currency_symbol", sa.String(length=8), nullable=False),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("stale_after_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "dimension_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_dimension_values_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimension_values")),
        sa.UniqueConstraint("workspace_id", "dimension", "value", name="uq_dimension_values"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["people.id"], name=op.f("fk_people_manager_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_people_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("workspace_id", "slack_user_id", name="uq_people_workspace_user"),
    )
    op.create_index(
        "ix_people_workspace_name", "people", ["workspace_id", "display_name"], unique=False
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_stages_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_stages_workspace_name"),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=True),
        sa.Column("region", sa.String(length=128), nullable=True),
        sa.Column("segment", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("created_date", sa.Date(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("forecast_category", sa.String(length=16), nullable=False),
        sa.Column("category_is_explicit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_deals_owner_id_people")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["people.id"], name=op.f("fk_deals_updated_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_deals_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_deals_workspace_external"),
    )
    op.create_index("ix_deals_workspace_name", "deals", ["workspace_id", "name"], unique=False)
    op.create_index("ix_deals_workspace_owner", "deals", ["workspace_id", "owner_id"], unique=False)
    op.create_table(
        "deal_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("change_source", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=True),
        sa.Column("region", sa.String(length=128), nullable=True),
        sa.Column("segment", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("created_date", sa.Date(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("forecast_category", sa.String(length=16), nullable=False),
        sa.Column("category_is_explicit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["people.id"], name=op.f("fk_deal_versions_changed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_versions_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_deal_versions_owner_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_deal_versions_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_versions")),
        sa.UniqueConstraint("deal_id", "version", name="uq_deal_versions_deal_version"),
    )
    op.create_index(
        "ix_deal_versions_asof",
        "deal_versions",
        ["workspace_id", "valid_from", "valid_to"],
        unique=False,
    )
    op.create_index(
        "ix_deal_versions_current", "deal_versions", ["workspace_id", "valid_to"], unique=False
    )


def downgrade() -> None:

    op.drop_index("ix_deal_versions_current", table_name="deal_versions")
    op.drop_index("ix_deal_versions_asof", table_name="deal_versions")
    op.drop_table("deal_versions")
    op.drop_index("ix_deals_workspace_owner", table_name="deals")
    op.drop_index("ix_deals_workspace_name", table_name="deals")
    op.drop_table("deals")
    op.drop_table("stages")
    op.drop_index("ix_people_workspace_name", table_name="people")
    op.drop_table("people")
    op.drop_table("dimension_values")
    op.drop_table("workspaces")
    op.drop_table("processed_keys")
