"""Advocates: accounts that praise the brand or help others, remembered over months

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advocate",
        sa.Column("author_key", sa.String(length=300), primary_key=True),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=False),
        sa.Column("praise_count", sa.Integer(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
    )
    op.create_index("ix_advocate_handle", "advocate", ["handle"])
    op.create_index("ix_advocate_last_seen_at", "advocate", ["last_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_advocate_last_seen_at", table_name="advocate")
    op.drop_index("ix_advocate_handle", table_name="advocate")
    op.drop_table("advocate")
