from __future__ import annotations

import builtins

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Stakeholder


class StakeholderRepository:
    def __init__(self, session: Session):
        self.session = session

    def _live(self, programme_id: int) -> Select[Stakeholder]:
        return select(Stakeholder).where(
            Stakeholder.programme_id == programme_id, Stakeholder.removed_at.is_(None)
        )

    def create(self, **values: object) -> Stakeholder:
        stakeholder = Stakeholder(**values)
        self.session.add(stakeholder)
        self.session.flush()
        return stakeholder

    def get(self, programme_id: int, stakeholder_id: int) -> Stakeholder | None:
        s = self.session.get(Stakeholder, stakeholder_id)
        return s if s is not None and s.programme_id == programme_id else None

    def by_code(
        self, programme_id: int, code: str, include_removed: bool = False
    ) -> Stakeholder | None:
        q = select(Stakeholder).where(
            Stakeholder.programme_id == programme_id, func.upper(Stakeholder.code) == code.upper()
        )
        if not include_removed:
            q = q.where(Stakeholder.removed_at.is_(None))
        return self.session.scalar(q)

    def codes(self, programme_id: int) -> dict[str, Stakeholder]:
        """Every stakeholder with a code, removed ones too (imports restore them)."""
        rows = self.session.scalars(
            select(Stakeholder).where(
                Stakeholder.programme_id == programme_id, Stakeholder.code.is_not(None)
            )
        )
        return {s.code.upper(): s for s in rows if s.code is not None}

    def search(self, programme_id: int, text: str, limit: int = 50) -> list[Stakeholder]:
        """Exact code first, then names containing the text (case-insensitive)."""
        exact = self.by_code(programme_id, text)
        if exact is not None:
            return [exact]
        pattern = f"%{text.lower().replace('%', '').replace('_', '')}%"
        q = (
            self._live(programme_id)
            .where(
                or_(
                    func.lower(Stakeholder.name).like(pattern),
                    func.lower(Stakeholder.code).like(pattern),
                )
            )
            .order_by(Stakeholder.name)
            .limit(limit)
        )
        return list(self.session.scalars(q))

    def by_exact_name(self, programme_id: int, name: str) -> list[Stakeholder]:
        return list(
            self.session.scalars(
                self._live(programme_id).where(func.lower(Stakeholder.name) == name.lower())
            )
        )

    def list(
        self, programme_id: int, type: str | None = None, group: str | None = None
    ) -> list[Stakeholder]:
        q = self._live(programme_id)
        if type:
            q = q.where(Stakeholder.type == type)
        if group:
            q = q.where(func.lower(Stakeholder.group_name) == group.lower())
        return list(self.session.scalars(q.order_by(Stakeholder.type, Stakeholder.name)))

    def groups(self, programme_id: int) -> builtins.list[str]:
        return [
            g
            for g in self.session.scalars(
                select(Stakeholder.group_name)
                .where(
                    Stakeholder.programme_id == programme_id,
                    Stakeholder.group_name.is_not(None),
                    Stakeholder.removed_at.is_(None),
                )
                .distinct()
            )
            if g
        ]
