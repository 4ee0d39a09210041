"""When a lead was deleted in Salesforce

Revision ID: 0020
Revises: 0018

A lead deleted in Salesforce stays (its moments are the SLA's history) but is no longer
handed off, reminded or breached.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("deleted_at")
