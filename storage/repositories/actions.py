"""Follow-up actions: an owner, a due date, a state (open | done)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from storage.models import Action, Programme


class ActionRepository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, **values: object) -> Action:
        action = Action(**values)
        self.session.add(action)
        self.session.flush()
        return action

    def get(self, programme_id: int, action_id: int) -> Action | None:
        a = self.session.get(Action, action_id)
        return a if a is not None and a.programme_id == programme_id else None

    def open(
        self, programme_id: int, mine_first: str | None = None, limit: int | None = None
    ) -> list[Action]:
        """Open actions, soonest due first (undated last); with mine_first, that person's first."""
        q = select(Action).where(Action.programme_id == programme_id, Action.state == "open")
        if mine_first:
            q = q.order_by(case((Action.owner_id == mine_first, 0), else_=1))
        q = q.order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        return list(self.session.scalars(q.limit(limit) if limit else q))

    def open_for_owner(self, team_id: str, owner_id: str) -> list[tuple[Programme, Action]]:
        """Someone's open actions across the programmes of a workspace."""
        rows = self.session.execute(
            select(Programme, Action)
            .join(Action, Action.programme_id == Programme.id)
            .where(
                Programme.team_id == team_id, Action.owner_id == owner_id, Action.state == "open"
            )
            .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        )
        return [(p, a) for p, a in rows]

    def overdue(self, programme_id: int, today: date) -> list[Action]:
        return list(
            self.session.scalars(
                select(Action)
                .where(
                    Action.programme_id == programme_id,
                    Action.state == "open",
                    Action.due_on < today,
                )
                .order_by(Action.due_on, Action.id)
            )
        )

    def for_engagement(self, engagement_id: int) -> list[Action]:
        return list(
            self.session.scalars(
                select(Action).where(Action.engagement_id == engagement_id).order_by(Action.id)
            )
        )
