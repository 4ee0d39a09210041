"""Sales' feedback on rejected leads: when the reason was given, and the notices of its
window (asked, reminded, told it ran out); and the steps whose moment an import guessed

Revision ID: 0021
Revises: 0020

A rejection that carried its reason was given feedback when it was rejected.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

COLUMNS = ("feedback_at", "feedback_asked_at", "feedback_reminded_at", "feedback_late_told_at")


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("guessed_steps", sa.String(40), nullable=True))
    op.execute(
        "UPDATE leads SET feedback_at = rejected_at "
        "WHERE rejected_at IS NOT NULL AND rejection_reason IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
        batch.drop_column("guessed_steps")
