"""Retention per programme: archived, then purged after N years; purges logged.

Revision ID: 0014_retention
Revises: 0013_audit_chain
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_retention"
down_revision = "0013_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme") as batch:
        batch.add_column(sa.Column("retention_years", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    op.create_table(
        "purge_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("programme_name", sa.String(length=200), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=False),
        sa.Column("purged_by", sa.String(length=32), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_purge_log"),
    )


def downgrade() -> None:
    op.drop_table("purge_log")
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("retention_years")
