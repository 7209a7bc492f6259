from __future__ import annotations

from sqlalchemy import ScalarResult, inspect, select, update
from sqlalchemy.orm import Session

from bot import audit_chain
from storage.models import AuditEvent, Programme
from storage.models.base import utcnow


class AuditRepository:
    def __init__(self, session: Session):
        self.session = session
        self._unchained: list[AuditEvent] = []

    def record(self, **values: object) -> None:
        """Add an entry; one in a programme is linked into its hash chain at commit."""
        values.setdefault("at", utcnow())
        entry = AuditEvent(**values)
        self.session.add(entry)
        if entry.programme_id is not None:
            self._unchained.append(entry)

    def chain(self, programme_id: int) -> ScalarResult[AuditEvent]:
        """The programme's trail in chain order, streamed."""
        return self.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.programme_id == programme_id)
            .order_by(AuditEvent.seq, AuditEvent.id)
            .execution_options(yield_per=1000)
        )

    def for_programme(
        self,
        programme_id: int,
        entity: str | None = None,
        entity_id: int | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]:
        q = select(AuditEvent).where(AuditEvent.programme_id == programme_id)
        if entity:
            q = q.where(AuditEvent.entity == entity)
        if entity_id is not None:
            q = q.where(AuditEvent.entity_id == entity_id)
        return list(self.session.scalars(q.order_by(AuditEvent.id).limit(limit)))


def extend_chains_and_raise_revisions(audit: AuditRepository, changed: set[int]) -> set[int]:
    """Just before the commit (UnitOfWork.commit()): number and link this transaction's
    entries into each programme's chain, and raise the revision of every programme it
    `changed` (storage/revisions.py) or audited. Returns them all, those deleted in this very
    transaction included (what it changed, for the announcement).

    Each programme's row is locked (FOR NO KEY UPDATE, which inserts that
    merely reference the programme do not wait for) while its head is read
    and moved. Taken last, just before the commit, the lock is held for a
    moment and nothing else is waited for while holding it, so writers take
    turns without deadlocks and two entries written at once never fork the
    chain; SQLite's write lock does the same. The unique (programme, seq)
    backs it up in the database.
    """
    session = audit.session
    entries = [
        e
        for e in audit._unchained
        if e.seq is None and (inspect(e).pending or inspect(e).persistent)
    ]
    audit._unchained = []
    with session.no_autoflush:
        # Only entries in a programme are kept unchained (record()).
        audited = {e.programme_id for e in entries if e.programme_id is not None}
        for programme_id in sorted(changed | audited):
            row = session.execute(
                select(Programme.audit_seq, Programme.audit_head)
                .where(Programme.id == programme_id)
                .with_for_update(key_share=True)
            ).one_or_none()
            if row is None and programme_id not in audited:
                continue  # deleted in this very transaction (a purge)
            values: dict[str, object] = {"revision": Programme.revision + 1}
            if programme_id in audited:
                assert row is not None, "a programme is not deleted in a transaction that audits it"
                seq, head = row
                seq, head = seq or 0, head or audit_chain.GENESIS
                for entry in (e for e in entries if e.programme_id == programme_id):
                    seq += 1
                    entry.seq, entry.prev_hash = seq, head
                    entry.hash = head = audit_chain.hash_of(entry)
                values |= {"audit_seq": seq, "audit_head": head}
            session.execute(update(Programme).where(Programme.id == programme_id).values(**values))
    return changed | audited
