"""Near-duplicate grouping: incident signatures and their LSH band keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("signature", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "incident_band",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("band_key", sa.String(length=40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_incident_band_band_key", "incident_band", ["band_key"])


def downgrade() -> None:
    op.drop_index("ix_incident_band_band_key", table_name="incident_band")
    op.drop_table("incident_band")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("signature")
