"""The triage model's version on every incident, beside the rules version

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("model_version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("model_version")
