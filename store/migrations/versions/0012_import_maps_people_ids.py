"""People keyed by their Salesforce user id; import maps kept per workspace

Revision ID: 0012
Revises: 0011

`council import people` (and the Salesforce sync) know a person by their CRM user id, so
a deal export's OwnerId finds its owner; a person's region (a people file's, or Maven's
sales_teams regional_office) is their deals' when the deal export has none. The `--map`
and `--stage-map` an admin gives once are kept, so the next import of the same kind of
file (and the history import) needs none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("salesforce_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("region", sa.String(128), nullable=True))
    op.create_index("ix_people_workspace_salesforce", "people", ["workspace_id", "salesforce_id"])
    op.create_index("ix_people_workspace_email", "people", ["workspace_id", "email"])
    op.create_table(
        "import_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("theirs", sa.String(length=255), nullable=False),
        sa.Column("ours", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_import_maps_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_maps")),
        sa.UniqueConstraint("workspace_id", "kind", "theirs", name="uq_import_maps_entry"),
    )


def downgrade() -> None:
    op.drop_table("import_maps")
    op.drop_index("ix_people_workspace_email", table_name="people")
    op.drop_index("ix_people_workspace_salesforce", table_name="people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("region")
        batch.drop_column("salesforce_id")
