"""Who confirmed (or moved) a template date, and when: a confirmed date says so, and its
milestone's source is no longer shown as the source of the date.

Revision ID: 0022_deadline_date_set
Revises: 0021_suggested_dates
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_deadline_date_set"
down_revision = "0021_suggested_dates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deadline", sa.Column("date_set", sa.String(length=16), nullable=True))
    op.add_column("deadline", sa.Column("date_set_by", sa.String(length=32), nullable=True))
    op.add_column("deadline", sa.Column("date_set_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN, as upgrade adds them: a batch copy would cascade-delete child rows.
    op.drop_column("deadline", "date_set_at")
    op.drop_column("deadline", "date_set_by")
    op.drop_column("deadline", "date_set")
