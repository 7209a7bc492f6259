"""Acknowledged Slack requests wait here for a worker; on PostgreSQL, procrastinate's job queue.

Revision ID: 0017_slack_requests
Revises: 0016_provenance
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_slack_requests"
down_revision = "0016_provenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_request",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_slack_request")),
    )
    op.create_index("ix_slack_request_state_received_at", "slack_request", ["state", "received_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # procrastinate's own tables and functions, as its release ships them (plain SQL).
        from procrastinate.schema import SchemaManager

        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in (
            "procrastinate_events",
            "procrastinate_periodic_defers",
            "procrastinate_jobs",
            "procrastinate_workers",
        ):
            bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.drop_index("ix_slack_request_state_received_at", table_name="slack_request")
    op.drop_table("slack_request")
