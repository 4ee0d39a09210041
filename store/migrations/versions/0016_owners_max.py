"""At most this many rows of a council's digest ask for an owner each week

Revision ID: 0016
Revises: 0015

A digest that asks for 14 owners gets none: the council picks its N sharpest rows
(`/council edit NAME owners_max=10`), and the rest are named in one line.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.add_column(sa.Column("owners_max", sa.Integer(), nullable=False, server_default="10"))


def downgrade() -> None:
    with op.batch_alter_table("councils") as batch:
        batch.drop_column("owners_max")
