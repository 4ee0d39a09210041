"""an index on the deals' close dates, for the quarter's checklist

Revision ID: 0023
Revises: 0018

The checklist summary (in every digest) counts the open deals closing in the quarter:
without this index each count read every deal. On PostgreSQL the columns it groups by
ride along (INCLUDE), so the count is an index-only scan.
"""

from alembic import op

revision = "0023"
down_revision = "0018"
branch_labels = None
depends_on = None

# What the checklist's counts read of a deal besides its close date.
COVERED = [
    "id",
    "status",
    "forecast_category",
    "owner_id",
    "product",
    "region",
    "segment",
    "source",
]


def upgrade() -> None:
    op.create_index(
        "ix_deals_close", "deals", ["workspace_id", "close_date"], postgresql_include=COVERED
    )


def downgrade() -> None:
    op.drop_index("ix_deals_close", "deals")
