"""An index for one item's audit history.

Revision ID: 0008_audit_item_index
Revises: 0007_digest
"""

from alembic import op

revision = "0008_audit_item_index"
down_revision = "0007_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_event_item", "audit_event", ["programme_id", "entity", "entity_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_item", table_name="audit_event")
