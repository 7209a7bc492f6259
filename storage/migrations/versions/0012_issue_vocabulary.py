"""Each issue keeps the words its suggestions are ranked by.

Revision ID: 0012_issue_vocabulary
Revises: 0011_token_width
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_issue_vocabulary"
down_revision = "0011_token_width"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("raised_issue") as batch:
        batch.add_column(sa.Column("vocabulary", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raised_issue") as batch:
        batch.drop_column("vocabulary")
