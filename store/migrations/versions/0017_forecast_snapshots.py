"""weekly forecast snapshots, for forecast accuracy

Revision ID: 0017
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0010"
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


def downgrade() -> None:
    op.drop_table("forecast_snapshots")
