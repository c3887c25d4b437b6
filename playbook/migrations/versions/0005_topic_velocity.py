"""Per-topic velocity: events per topic per 10-second bucket

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_count",
        sa.Column("topic", sa.String(length=80), primary_key=True),
        sa.Column("bucket", sa.BigInteger(), primary_key=True),
        sa.Column("events", sa.Integer(), nullable=False),
    )
    op.create_index("ix_topic_count_bucket", "topic_count", ["bucket"])


def downgrade() -> None:
    op.drop_index("ix_topic_count_bucket", table_name="topic_count")
    op.drop_table("topic_count")
