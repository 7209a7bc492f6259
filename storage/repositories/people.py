from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.people import Person as PersonName
from storage.models import Person, Programme

# Chunks of ids per query: well inside every engine's limit on bound parameters.
_CHUNK = 500


class PeopleRepository:
    """The workspace directory (storage/models/person.py)."""

    def __init__(self, session: Session):
        self.session = session

    def named(self, team_id: str, user_ids: Iterable[str]) -> dict[str, PersonName]:
        ids = sorted({u for u in user_ids if u})
        found: dict[str, PersonName] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self.session.scalars(
                select(Person).where(
                    Person.team_id == team_id, Person.user_id.in_(ids[start : start + _CHUNK])
                )
            )
            for p in rows:
                found[p.user_id] = PersonName(p.user_id, p.display_name, p.real_name, p.deleted)
        return found

    def known(self, team_id: str, user_id: str) -> bool:
        return (
            self.session.scalar(
                select(Person.user_id).where(Person.team_id == team_id, Person.user_id == user_id)
            )
            is not None
        )

    def save(self, team_id: str, person: PersonName, now: datetime) -> bool:
        """Insert or update; True when what is shown (a name, deactivated) changed."""
        row = self.session.get(Person, (team_id, person.user_id))
        values = (person.display_name, person.real_name, bool(person.deleted))
        if row is None:
            self.session.add(
                Person(
                    team_id=team_id,
                    user_id=person.user_id,
                    display_name=values[0],
                    real_name=values[1],
                    deleted=values[2],
                    updated_at=now,
                    seen_at=now,
                )
            )
            return True
        row.seen_at = now
        if (row.display_name, row.real_name, row.deleted) == values:
            return False
        row.display_name, row.real_name, row.deleted = values
        row.updated_at = now
        return True

    def change_mark(self, team_id: str) -> str:
        """Changes whenever a name in the team's directory changes: one index read."""
        at = self.session.scalar(
            select(func.max(Person.updated_at)).where(Person.team_id == team_id)
        )
        return str(at)

    def teams_with_programmes(self) -> list[str]:
        """The workspaces whose directory is worth keeping: those with a programme."""
        return list(
            self.session.scalars(select(Programme.team_id).distinct().order_by(Programme.team_id))
        )
