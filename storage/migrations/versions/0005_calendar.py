"""calendar feeds remember their last content's ETag and when it last changed (for Last-Modified)

Revision ID: 0005_calendar
Revises: 0004_reminders
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_calendar"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_etag", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("content_changed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_calendar_feed_programme_kind_user", ["programme_id", "kind", "user_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_feed_programme_kind_user")
        batch_op.drop_column("content_changed_at")
        batch_op.drop_column("content_etag")
