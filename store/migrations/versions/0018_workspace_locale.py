"""A workspace's locale: how its people write dates and amounts

Revision ID: 0018
Revises: 0017

`31.12.2026`, `15/01/2027` and `1,5M` are read the way the workspace's locale writes them
(day first, a decimal comma); None is en_US, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("locale")
