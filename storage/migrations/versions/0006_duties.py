"""duty evidence can be a vote (member practices' support is evidenced by the vote that carried)

Revision ID: 0006_duties
Revises: 0005_calendar
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_duties"
down_revision = "0005_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("duty_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vote_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("duty_evidence", schema=None) as batch_op:
        batch_op.drop_column("vote_id")
