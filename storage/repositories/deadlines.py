from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Deadline


class DeadlineRepository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, **values) -> Deadline:
        deadline = Deadline(**values)
        self.session.add(deadline)
        self.session.flush()
        return deadline

    def list(self, programme_id: int, states: tuple[str, ...] = ("open",)) -> list[Deadline]:
        return list(self.session.scalars(
            select(Deadline).where(Deadline.programme_id == programme_id, Deadline.state.in_(states))
            .order_by(Deadline.due_on, Deadline.due_time, Deadline.id)
        ))
