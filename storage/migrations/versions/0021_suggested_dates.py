"""Dates that one organisation's papers give as its own (Hillingdon CCG's member vote on
4 March 2015) are offered as a suggestion, to confirm, in every cycle.

Programmes set up before this keep their dates; a co-commissioning member vote date that
nobody has changed since it was set up becomes the suggestion it always was.

Revision ID: 0021_suggested_dates
Revises: 0020_vote_duty
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_suggested_dates"
down_revision = "0020_vote_duty"
branch_labels = None
depends_on = None

HILLINGDON = "Hillingdon CCG's own date, offered as a suggestion: each CCG sets its own"


def upgrade() -> None:
    op.add_column("deadline", sa.Column("suggestion", sa.Text(), nullable=True))
    op.add_column("duty", sa.Column("due_suggestion", sa.Text(), nullable=True))
    untouched = (
        "template_key = 'member-vote' AND state = 'open' AND sequence = 0 AND programme_id IN "
        "(SELECT id FROM programme WHERE template = 'co-commissioning')"
    )
    op.execute(
        sa.text(
            f"UPDATE deadline SET suggestion = :s, provisional = :t WHERE {untouched}"
        ).bindparams(s=HILLINGDON, t=True)
    )
    op.execute(
        sa.text(
            "UPDATE duty SET due_suggestion = :s, provisional = :t "
            "WHERE due_anchor = 'member-vote' AND state = 'open' AND programme_id IN "
            f"(SELECT programme_id FROM deadline WHERE suggestion IS NOT NULL AND {untouched})"
        ).bindparams(s=HILLINGDON, t=True)
    )


def downgrade() -> None:
    # Plain DROP COLUMN, as upgrade adds them: a batch copy would cascade-delete child rows.
    op.drop_column("duty", "due_suggestion")
    op.drop_column("deadline", "suggestion")
