"""Saved versions of the rules file: the playground's history, to compare and roll back

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rules_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=40), nullable=False),
        sa.Column("saved_by", sa.String(length=320), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rules_version_hash", "rules_version", ["hash"])
    op.create_index("ix_rules_version_saved_at", "rules_version", ["saved_at"])


def downgrade() -> None:
    op.drop_index("ix_rules_version_saved_at", table_name="rules_version")
    op.drop_index("ix_rules_version_hash", table_name="rules_version")
    op.drop_table("rules_version")
