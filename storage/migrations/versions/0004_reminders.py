"""Reminder snoozes, and an index for the reminder sweep (open deadlines by date, all programmes).

Revision ID: 0004_reminders
Revises: 0003_engagements
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_reminders"
down_revision = "0003_engagements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_snooze",
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadline.id"],
            name=op.f("fk_reminder_snooze_deadline_id_deadline"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deadline_id", "user_id", "remind_on", name=op.f("pk_reminder_snooze")
        ),
    )
    op.create_index("ix_reminder_snooze_remind_on", "reminder_snooze", ["remind_on"])
    op.create_index("ix_deadline_state_due", "deadline", ["state", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_deadline_state_due", table_name="deadline")
    op.drop_index("ix_reminder_snooze_remind_on", table_name="reminder_snooze")
    op.drop_table("reminder_snooze")
