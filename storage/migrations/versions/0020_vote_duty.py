"""The duty a vote decides: a vote discharges a duty only when it is linked to it.

Votes that already discharged a duty (recorded as its evidence) are linked to it.

Revision ID: 0020_vote_duty
Revises: 0019_slack_request_replied
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_vote_duty"
down_revision = "0019_slack_request_replied"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column, no foreign key: adding one rebuilds the vote table on SQLite, and its
    # children (electors, ballots, tallies) would go with the old table. Duties are never deleted.
    op.add_column("vote", sa.Column("duty_id", sa.Integer(), nullable=True))
    op.create_index("ix_vote_duty_id", "vote", ["duty_id"])
    op.execute(
        "UPDATE vote SET duty_id = (SELECT MIN(e.duty_id) FROM duty_evidence e "
        "WHERE e.kind = 'vote' AND e.vote_id = vote.id) "
        "WHERE duty_id IS NULL"
    )


def downgrade() -> None:
    # Plain DROP COLUMN, as upgrade adds them: a batch copy would cascade-delete child rows.
    op.drop_index("ix_vote_duty_id", table_name="vote")
    op.drop_column("vote", "duty_id")
