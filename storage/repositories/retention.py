"""Retention: archived programmes, purged when their time is up, each purge logged."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from storage.models import Programme, PurgeLog
from storage.personal_data import PROGRAMME_OF


class RetentionRepository:
    def __init__(self, session: Session):
        self.session = session

    def archived(self) -> list[Programme]:
        return list(
            self.session.scalars(
                select(Programme)
                .where(Programme.archived_at.is_not(None), Programme.retention_years.is_not(None))
                .order_by(Programme.id)
            )
        )

    def purge(self, programme: Programme, by: str, now: datetime) -> PurgeLog:
        """Delete the programme and everything in it (the database cascades), and log it."""
        counts = {}
        for table, expr in sorted(PROGRAMME_OF.items()):
            n = self.session.execute(
                text(f"SELECT count(*) FROM {table} WHERE {expr} = :p"), {"p": programme.id}
            ).scalar_one()
            if n:
                counts[table] = n
        entry = PurgeLog(
            team_id=programme.team_id,
            programme_id=programme.id,
            programme_name=programme.name,
            archived_at=programme.archived_at,
            retention_years=programme.retention_years,
            purged_at=now,
            purged_by=by,
            records=json.dumps(counts, sort_keys=True),
            audit_head=programme.audit_head,
        )
        self.session.execute(delete(Programme).where(Programme.id == programme.id))
        self.session.expunge(programme)
        self.session.add(entry)
        return entry

    def purges(self, team_id: str | None = None) -> list[PurgeLog]:
        q = select(PurgeLog).order_by(PurgeLog.purged_at)
        if team_id:
            q = q.where(PurgeLog.team_id == team_id)
        return list(self.session.scalars(q))
