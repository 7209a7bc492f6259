"""When a queued Slack request's reply went out: a run after a crash does not answer twice.

Revision ID: 0019_slack_request_replied
Revises: 0018_programme_revision
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_slack_request_replied"
down_revision = "0018_programme_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_request") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_request") as batch:
        batch.drop_column("replied_at")
