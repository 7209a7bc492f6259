"""A stakeholder's influence and interest (1 to 5 each), for the stakeholder map.

Revision ID: 0020_stakeholder_rating
Revises: 0019_slack_request_replied
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_stakeholder_rating"
down_revision = "0019_slack_request_replied"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stakeholder") as batch:
        batch.add_column(sa.Column("influence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("interest", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stakeholder") as batch:
        batch.drop_column("interest")
        batch.drop_column("influence")
