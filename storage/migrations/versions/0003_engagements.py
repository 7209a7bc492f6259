"""Partial indexes for "last engaged" and "current position" per stakeholder.

Revision ID: 0003_engagements
Revises: 0002_installations
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_engagements"
down_revision = "0002_installations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_engagement_stakeholder_live",
        "engagement_stakeholder",
        ["stakeholder_id", "occurred_on"],
        sqlite_where=sa.text("withdrawn = 0"),
        postgresql_where=sa.text("withdrawn = false"),
    )
    op.create_index(
        "ix_engagement_stakeholder_position",
        "engagement_stakeholder",
        ["stakeholder_id", "occurred_on", "engagement_id", "position"],
        sqlite_where=sa.text("withdrawn = 0 AND position IS NOT NULL"),
        postgresql_where=sa.text("withdrawn = false AND position IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_engagement_stakeholder_position", table_name="engagement_stakeholder")
    op.drop_index("ix_engagement_stakeholder_live", table_name="engagement_stakeholder")
