"""When a deal's Opportunity was deleted in Salesforce

Revision ID: 0019
Revises: 0018

A deleted Opportunity's deal is kept with its history: its last version ends at the
deletion and none follows, so every figure as of an earlier moment stays as it was; an
Opportunity undeleted in Salesforce gets a version from then on and this is cleared.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("deleted_at")
