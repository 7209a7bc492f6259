"""An index for the weekly digest: a programme's engagements by when they were logged.

The digest reports what was logged in the 7 days before it (so every
engagement is reported in exactly one digest, backdated ones included);
this keeps that a short range scan per programme at national scale.

Revision ID: 0007_digest
Revises: 0006_duties
"""

from alembic import op

revision = "0007_digest"
down_revision = "0006_duties"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_engagement_programme_logged", "engagement", ["programme_id", "logged_at"])


def downgrade() -> None:
    op.drop_index("ix_engagement_programme_logged", table_name="engagement")
