"""Personal digests: who gets their own digest as a DM, daily or weekly.

Revision ID: 0024_personal_digest
Revises: 0023_stakeholder_rating
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_personal_digest"
down_revision = "0023_stakeholder_rating"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_digest",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id"),
    )
    # A person's own digest reads what they own by owner, across the workspace's programmes.
    op.create_index("ix_action_owner_state", "action", ["owner_id", "state"])
    op.create_index("ix_deadline_owner_user", "deadline_owner", ["user_id"])
    op.create_index("ix_duty_owner_state", "duty", ["owner_id", "state"])
    op.create_index("ix_raised_issue_response_owner", "raised_issue", ["response_owner"])


def downgrade() -> None:
    op.drop_index("ix_raised_issue_response_owner", "raised_issue")
    op.drop_index("ix_duty_owner_state", "duty")
    op.drop_index("ix_deadline_owner_user", "deadline_owner")
    op.drop_index("ix_action_owner_state", "action")
    op.drop_table("personal_digest")
