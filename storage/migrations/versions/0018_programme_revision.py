"""A programme's change counter, raised by every commit that changes what Consult shows of it.

Revision ID: 0018_programme_revision
Revises: 0017_slack_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_programme_revision"
down_revision = "0017_slack_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("revision")
