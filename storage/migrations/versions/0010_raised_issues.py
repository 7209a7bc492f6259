"""Issues raised by stakeholders, their tags on engagements, and who raised each.

Revision ID: 0010_raised_issues
Revises: 0009_calendar_mark
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_raised_issues"
down_revision = "0009_calendar_mark"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raised_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("response_owner", sa.String(length=32), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("stakeholders", sa.Integer(), nullable=False),
        sa.Column("engagements", sa.Integer(), nullable=False),
        sa.Column("first_raised_on", sa.Date(), nullable=True),
        sa.Column("last_raised_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name="fk_raised_issue_programme_id_programme",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["raised_issue.id"],
            name="fk_raised_issue_merged_into_id_raised_issue",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_raised_issue"),
    )
    op.create_index(
        "uq_raised_issue_programme_key",
        "raised_issue",
        ["programme_id", "name_key"],
        unique=True,
        sqlite_where=sa.text("merged_into_id IS NULL"),
        postgresql_where=sa.text("merged_into_id IS NULL"),
    )
    op.create_index(
        "ix_raised_issue_programme_stakeholders",
        "raised_issue",
        ["programme_id", "stakeholders"],
    )
    op.create_table(
        "engagement_raised_issue",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("raised_issue_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("tagged_by", sa.String(length=32), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagement.id"],
            name="fk_engagement_raised_issue_engagement_id_engagement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raised_issue_id"],
            ["raised_issue.id"],
            name="fk_engagement_raised_issue_raised_issue_id_raised_issue",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "engagement_id", "raised_issue_id", name="pk_engagement_raised_issue"
        ),
    )
    op.create_index(
        "ix_engagement_raised_issue_latest",
        "engagement_raised_issue",
        ["raised_issue_id", "withdrawn", "occurred_on", "engagement_id"],
    )
    op.create_table(
        "raised_issue_stakeholder",
        sa.Column("raised_issue_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_id", sa.Integer(), nullable=False),
        sa.Column("engagements", sa.Integer(), nullable=False),
        sa.Column("first_raised_on", sa.Date(), nullable=False),
        sa.Column("last_raised_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["raised_issue_id"],
            ["raised_issue.id"],
            name="fk_raised_issue_stakeholder_raised_issue_id_raised_issue",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholder.id"],
            name="fk_raised_issue_stakeholder_stakeholder_id_stakeholder",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "raised_issue_id", "stakeholder_id", name="pk_raised_issue_stakeholder"
        ),
    )


def downgrade() -> None:
    op.drop_table("raised_issue_stakeholder")
    op.drop_index("ix_engagement_raised_issue_latest", table_name="engagement_raised_issue")
    op.drop_table("engagement_raised_issue")
    op.drop_index("ix_raised_issue_programme_stakeholders", table_name="raised_issue")
    op.drop_index("uq_raised_issue_programme_key", table_name="raised_issue")
    op.drop_table("raised_issue")
