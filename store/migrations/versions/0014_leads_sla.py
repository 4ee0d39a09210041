"""leads, their status changes, each workspace's sales and marketing SLA, and councils'
daily posts

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64)),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("company", sa.String(length=255)),
        sa.Column("email", sa.String(length=255)),
        sa.Column("source", sa.String(length=128)),
        sa.Column("segment", sa.String(length=128)),
        sa.Column("campaign_external_id", sa.String(length=64)),
        sa.Column("owner_id", sa.Integer()),
        sa.Column("status", sa.String(length=12), nullable=False),
        _moment("created_at", nullable=False),
        _moment("mql_at"),
        _moment("accepted_at"),
        _moment("rejected_at"),
        sa.Column("rejection_reason", sa.Text()),
        _moment("converted_at"),
        sa.Column("converted_deal_id", sa.Integer()),
        sa.Column("converted_deal_external_id", sa.String(length=64)),
        sa.Column("fields", sa.JSON(), nullable=False),
        _moment("handed_off_at"),
        _moment("returned_at"),
        _moment("reminded_at"),
        _moment("breach_told_at"),
        _moment("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_leads_workspace_id_workspaces")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_leads_owner_id_people")),
        sa.ForeignKeyConstraint(
            ["converted_deal_id"], ["deals.id"], name=op.f("fk_leads_converted_deal_id_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_leads_workspace_external"),
    )
    op.create_index("ix_leads_workspace_mql", "leads", ["workspace_id", "mql_at"])
    op.create_index("ix_leads_workspace_owner", "leads", ["workspace_id", "owner_id"])
    op.create_table(
        "lead_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        _moment("at", nullable=False),
        sa.Column("old_status", sa.String(length=12)),
        sa.Column("new_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("by_id", sa.Integer()),
        sa.Column("via", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_lead_changes_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_changes_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["people.id"], name=op.f("fk_lead_changes_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_changes")),
    )
    op.create_index("ix_lead_changes_lead", "lead_changes", ["lead_id", "at"])
    op.create_table(
        "sla_settings",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("required_fields", sa.JSON(), nullable=False),
        sa.Column("follow_up_hours", sa.Integer(), nullable=False),
        sa.Column("day_starts", sa.String(length=5), nullable=False),
        sa.Column("day_ends", sa.String(length=5), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("feedback_days", sa.Integer(), nullable=False),
        sa.Column("rejection_reasons", sa.JSON(), nullable=False),
        sa.Column("marketing_channel", sa.String(length=32)),
        sa.Column("handoff_channel", sa.String(length=32)),
        _moment("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_sla_settings_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_sla_settings")),
    )
    op.create_table(
        "council_dailies",
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_council_dailies_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_council_dailies_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("council_id", name=op.f("pk_council_dailies")),
    )


def downgrade() -> None:
    op.drop_table("council_dailies")
    op.drop_table("sla_settings")
    op.drop_index("ix_lead_changes_lead", table_name="lead_changes")
    op.drop_table("lead_changes")
    op.drop_index("ix_leads_workspace_owner", table_name="leads")
    op.drop_index("ix_leads_workspace_mql", table_name="leads")
    op.drop_table("leads")
