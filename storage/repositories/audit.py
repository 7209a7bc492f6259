from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session):
        self.session = session

    def record(self, **values) -> None:
        self.session.add(AuditEvent(**values))

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
