"""actions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:21:54.154479
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("column", sa.String(length=16), nullable=False),
        sa.Column("color_at", sa.String(length=8), nullable=True),
        sa.Column("shown_at", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("snooze_reason", sa.Text(), nullable=True),
        sa.Column("last_reminded_on", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("cell_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["people.id"], name=op.f("fk_actions_assigned_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_actions_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_actions_owner_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["digest_runs.id"], name=op.f("fk_actions_run_id_digest_runs")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_actions_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(
        "ix_actions_open", "actions", ["workspace_id", "status", "due_date"], unique=False
    )
    op.create_table(
        "digest_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=True),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("column", sa.String(length=16), nullable=False),
        sa.Column("color", sa.String(length=8), nullable=True),
        sa.Column("shown", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["councils.id"], name=op.f("fk_digest_cells_council_id_councils")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["digest_runs.id"], name=op.f("fk_digest_cells_run_id_digest_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_cells")),
    )
    op.create_index(
        "ix_digest_cells_cell",
        "digest_cells",
        ["council_id", "dimension", "value", "column"],
        unique=False,
    )
    op.create_table(
        "action_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_events_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["people.id"], name=op.f("fk_action_events_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_events")),
    )
    op.add_column("people", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:

    op.drop_column("people", "timezone")
    op.drop_table("action_events")
    op.drop_index("ix_digest_cells_cell", table_name="digest_cells")
    op.drop_table("digest_cells")
    op.drop_index("ix_actions_open", table_name="actions")
    op.drop_table("actions")
