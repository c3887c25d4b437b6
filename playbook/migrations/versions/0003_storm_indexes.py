"""Indexes for storms: an incident's authors and its pending outbox items

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_incident_author", "event", ["incident_id", "author_key"])
    op.create_index("ix_outbox_incident_status", "outbox", ["incident_id", "status", "kind"])


def downgrade() -> None:
    op.drop_index("ix_outbox_incident_status", table_name="outbox")
    op.drop_index("ix_event_incident_author", table_name="event")
