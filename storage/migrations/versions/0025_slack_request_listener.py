"""Which listener the web process matched for a queued Slack request: a worker calls it directly.

Revision ID: 0025_slack_request_listener
Revises: 0024_personal_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_slack_request_listener"
down_revision = "0024_personal_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a request queued before this, or one no listener matched, is matched by the worker.
    op.add_column("slack_request", sa.Column("listener", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("slack_request", "listener")
