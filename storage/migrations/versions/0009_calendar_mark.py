"""A feed remembers the change mark its last ETag was computed at.

Revision ID: 0009_calendar_mark
Revises: 0008_audit_item_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_calendar_mark"
down_revision = "0008_audit_item_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_feed") as batch:
        batch.add_column(sa.Column("content_mark", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed") as batch:
        batch.drop_column("content_mark")
