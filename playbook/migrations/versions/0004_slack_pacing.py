"""Slack pacing: when each channel may next be posted to

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_channel",
        sa.Column("channel", sa.String(length=200), primary_key=True),
        sa.Column("channel_id", sa.String(length=200), nullable=True),
        sa.Column("free_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_channel_channel_id", "slack_channel", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_slack_channel_channel_id", table_name="slack_channel")
    op.drop_table("slack_channel")
