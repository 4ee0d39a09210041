"""indexes on the versions' close and created dates, for a period's numbers

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deal_versions_close", "deal_versions", ["workspace_id", "close_date"])
    op.create_index("ix_deal_versions_created", "deal_versions", ["workspace_id", "created_date"])


def downgrade() -> None:
    op.drop_index("ix_deal_versions_created", "deal_versions")
    op.drop_index("ix_deal_versions_close", "deal_versions")
