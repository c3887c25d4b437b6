"""Story grouping: recent term document frequencies and open incidents' term vectors

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_term",
        sa.Column("term", sa.String(length=80), primary_key=True),
        sa.Column("bucket", sa.BigInteger(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_story_term_bucket", "story_term", ["bucket"])
    op.create_table(
        "incident_term",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("term", sa.String(length=80), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incident_term_term", "incident_term", ["term"])


def downgrade() -> None:
    op.drop_index("ix_incident_term_term", table_name="incident_term")
    op.drop_table("incident_term")
    op.drop_index("ix_story_term_bucket", table_name="story_term")
    op.drop_table("story_term")
