"""The workspace directory: people's display and real names, and whether deactivated.

Revision ID: 0015_people
Revises: 0014_retention
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_people"
down_revision = "0014_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("real_name", sa.String(length=255), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_person_team_updated", "person", ["team_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_person_team_updated", table_name="person")
    op.drop_table("person")
