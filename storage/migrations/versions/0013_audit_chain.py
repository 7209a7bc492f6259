"""The audit trail as a hash chain per programme; existing entries are chained in order.

Revision ID: 0013_audit_chain
Revises: 0012_issue_vocabulary
"""

import sqlalchemy as sa
from alembic import op

from bot import audit_chain

revision = "0013_audit_chain"
down_revision = "0012_issue_vocabulary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("programme") as batch:
        batch.add_column(sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("audit_head", sa.String(length=64), nullable=True))

    # Chain what is there, in the order it was written.
    conn = op.get_bind()
    audit = sa.table(
        "audit_event",
        *(sa.column(c) for c in ("id", "team_id", "programme_id", "actor", "action", "entity")),
        sa.column("at", sa.DateTime()),
        *(sa.column(c) for c in ("entity_id", "before", "after", "seq", "prev_hash", "hash")),
    )
    programme = sa.table(
        "programme", sa.column("id"), sa.column("audit_seq"), sa.column("audit_head")
    )
    heads: dict[int, tuple[int, str]] = {}
    rows = conn.execute(
        sa.select(audit).where(audit.c.programme_id.is_not(None)).order_by(audit.c.id)
    ).all()
    for row in rows:
        seq, prev = heads.get(row.programme_id, (0, audit_chain.GENESIS))
        values = dict(row._mapping, seq=seq + 1, prev_hash=prev)
        values["hash"] = audit_chain.entry_hash(
            **{
                k: values[k]
                for k in (
                    "programme_id",
                    "seq",
                    "prev_hash",
                    "team_id",
                    "actor",
                    "at",
                    "action",
                    "entity",
                    "entity_id",
                    "before",
                    "after",
                )
            }
        )
        conn.execute(
            sa.update(audit)
            .where(audit.c.id == row.id)
            .values(seq=values["seq"], prev_hash=prev, hash=values["hash"])
        )
        heads[row.programme_id] = (values["seq"], values["hash"])
    for programme_id, (seq, head) in heads.items():
        conn.execute(
            sa.update(programme)
            .where(programme.c.id == programme_id)
            .values(audit_seq=seq, audit_head=head)
        )
    with op.batch_alter_table("audit_event") as batch:
        batch.create_unique_constraint("uq_audit_event_programme_seq", ["programme_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint("uq_audit_event_programme_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("audit_head")
        batch.drop_column("audit_seq")
