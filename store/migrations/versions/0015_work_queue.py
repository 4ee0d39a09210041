"""the queue of acknowledged Slack work, and deal_id in the close-date index

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COVERED = [
    "valid_from",
    "valid_to",
    "status",
    "forecast_category",
    "amount",
    "product",
    "region",
    "segment",
    "source",
    "created_date",
]


def upgrade() -> None:
    op.create_table(
        "queued_work",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The week's changes pair each deal's state now and a week ago from index-only
        # scans of the period's close dates, which needs the deal in the index too.
        op.drop_index("ix_deal_versions_close", "deal_versions")
        op.create_index(
            "ix_deal_versions_close",
            "deal_versions",
            ["workspace_id", "close_date"],
            postgresql_include=[*COVERED, "deal_id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_deal_versions_close", "deal_versions")
        op.create_index(
            "ix_deal_versions_close",
            "deal_versions",
            ["workspace_id", "close_date"],
            postgresql_include=COVERED,
        )
    op.drop_table("queued_work")
