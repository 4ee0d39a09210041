"""covering indexes on the versions' close and created dates, for a period's numbers

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Every column a period's numbers read besides the dates.
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
]


def upgrade() -> None:
    # On PostgreSQL the other columns ride along (INCLUDE), for index-only scans; SQLite
    # has no INCLUDE and keeps plain date indexes.
    op.create_index(
        "ix_deal_versions_close",
        "deal_versions",
        ["workspace_id", "close_date"],
        postgresql_include=[*COVERED, "created_date"],
    )
    op.create_index(
        "ix_deal_versions_created",
        "deal_versions",
        ["workspace_id", "created_date"],
        postgresql_include=[*COVERED, "close_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_deal_versions_created", "deal_versions")
    op.drop_index("ix_deal_versions_close", "deal_versions")
