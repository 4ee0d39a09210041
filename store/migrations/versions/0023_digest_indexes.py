"""indexes for the digest: the deals' close dates, and the decided versions

Revision ID: 0023
Revises: 0018

The checklist summary (in every digest) counts the open deals closing in the quarter:
without an index on the deals' close dates each count read every deal. The APM's win
rates read a year of won and lost versions: the close-date index holds every version, a
partial one only the decided. On PostgreSQL the columns read ride along (INCLUDE), so
both are index-only scans.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
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

# What the win rates read of a version besides its close date (as in 0007).
PERIOD_COLUMNS = [
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
DECIDED = "status IN ('won', 'lost')"


def upgrade() -> None:
    op.create_index(
        "ix_deals_close", "deals", ["workspace_id", "close_date"], postgresql_include=COVERED
    )
    op.create_index(
        "ix_deal_versions_decided",
        "deal_versions",
        ["workspace_id", "close_date"],
        postgresql_include=PERIOD_COLUMNS,
        postgresql_where=sa.text(DECIDED),
        sqlite_where=sa.text(DECIDED),
    )


def downgrade() -> None:
    op.drop_index("ix_deal_versions_decided", "deal_versions")
    op.drop_index("ix_deals_close", "deals")
