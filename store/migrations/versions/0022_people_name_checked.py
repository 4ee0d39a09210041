"""When a person's name was last checked with Slack

Revision ID: 0022
Revises: 0018

Each answer asked Slack (`users.info`) for the name of the person who typed or pressed;
the name kept in `people` is now used for a day after it was last checked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("name_checked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("name_checked_at")
