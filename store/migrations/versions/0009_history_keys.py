"""history rows kept by their own key; the CRM's last-modified moment of a deal

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deals", sa.Column("crm_modified_at", sa.DateTime(timezone=True)))
    op.add_column("deal_versions", sa.Column("history_key", sa.String(length=80)))


def downgrade() -> None:
    with op.batch_alter_table("deal_versions") as batch:
        batch.drop_column("history_key")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("crm_modified_at")
