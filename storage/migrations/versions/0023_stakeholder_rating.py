"""A stakeholder's influence and interest (1 to 5 each), for the stakeholder map.

Revision ID: 0023_stakeholder_rating
Revises: 0022_deadline_date_set
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_stakeholder_rating"
down_revision = "0022_deadline_date_set"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD and DROP COLUMN: a batch copy of the stakeholder table on SQLite would
    # cascade-delete its children (engagement links, electors, positions).
    op.add_column("stakeholder", sa.Column("influence", sa.Integer(), nullable=True))
    op.add_column("stakeholder", sa.Column("interest", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("stakeholder", "interest")
    op.drop_column("stakeholder", "influence")
