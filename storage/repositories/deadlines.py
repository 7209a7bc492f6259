"""Deadlines and meetings, their owners, reminder snoozes, and what the reminder sweep reads."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Action, Deadline, DeadlineOwner, Delivery, Programme
from storage.models.deadline import ReminderSnooze
from storage.revisions import touch_via


class DeadlineRepository:
    def __init__(self, session: Session):
        self.session = session

    def create(self, **values: object) -> Deadline:
        deadline = Deadline(**values)
        self.session.add(deadline)
        self.session.flush()
        return deadline

    def get(self, deadline_id: int) -> Deadline | None:
        return self.session.get(Deadline, deadline_id)

    def in_programme(self, programme_id: int, deadline_id: int) -> Deadline | None:
        return self.session.scalar(
            select(Deadline).where(
                Deadline.id == deadline_id, Deadline.programme_id == programme_id
            )
        )

    def list(self, programme_id: int, states: tuple[str, ...] = ("open",)) -> list[Deadline]:
        return list(
            self.session.scalars(
                select(Deadline)
                .where(Deadline.programme_id == programme_id, Deadline.state.in_(states))
                .order_by(Deadline.due_on, Deadline.due_time, Deadline.id)
            )
        )

    def with_template_keys(self, programme_id: int) -> builtins.list[Deadline]:
        """The programme's deadlines that came from its template, in any state."""
        return list(
            self.session.scalars(
                select(Deadline).where(
                    Deadline.programme_id == programme_id, Deadline.template_key.is_not(None)
                )
            )
        )

    # -- owners ---------------------------------------------------------------
    def owners(self, deadline_ids: Iterable[int]) -> dict[int, builtins.list[str]]:
        ids = list(deadline_ids)
        found: dict[int, list[str]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            rows = self.session.execute(
                select(DeadlineOwner.deadline_id, DeadlineOwner.user_id)
                .where(DeadlineOwner.deadline_id.in_(ids[start : start + 500]))
                .order_by(DeadlineOwner.deadline_id, DeadlineOwner.user_id)
            )
            for deadline_id, user in rows:
                found[deadline_id].append(user)
        return found

    def set_owners(self, deadline_id: int, users: Iterable[str]) -> None:
        self.session.execute(delete(DeadlineOwner).where(DeadlineOwner.deadline_id == deadline_id))
        touch_via(self.session, Deadline.__table__, deadline_id)
        for user in dict.fromkeys(users):
            self.session.add(DeadlineOwner(deadline_id=deadline_id, user_id=user))
        self.session.flush()

    # -- what the reminder sweep reads ------------------------------------------
    def open_due_between(
        self, first: date, last: date
    ) -> builtins.list[tuple[Deadline, Programme]]:
        """Open deadlines and meetings of every programme due in [first, last], with their programme."""
        return [
            (d, p)
            for d, p in self.session.execute(
                select(Deadline, Programme)
                .join(Programme, Programme.id == Deadline.programme_id)
                .where(Deadline.state == "open", Deadline.due_on >= first, Deadline.due_on <= last)
                .where(Programme.archived_at.is_(None))
                .order_by(Deadline.due_on, Deadline.id)
            )
        ]

    def open_actions_due_between(
        self, first: date, last: date
    ) -> builtins.list[tuple[Action, Programme]]:
        """Open follow-up actions (every programme) due in [first, last]: their owners are reminded."""
        return [
            (a, p)
            for a, p in self.session.execute(
                select(Action, Programme)
                .join(Programme, Programme.id == Action.programme_id)
                .where(
                    Action.state == "open",
                    Action.due_on.is_not(None),
                    Action.due_on >= first,
                    Action.due_on <= last,
                    Programme.archived_at.is_(None),
                )
                .order_by(Action.due_on, Action.id)
            )
        ]

    def sent_among(self, keys: Iterable[str]) -> set[str]:
        """Which of these delivery keys are already settled (sent), in one query per 500."""
        wanted = list(keys)
        done: set[str] = set()
        for start in range(0, len(wanted), 500):
            done.update(
                self.session.scalars(
                    select(Delivery.key).where(
                        Delivery.key.in_(wanted[start : start + 500]), Delivery.state == "sent"
                    )
                )
            )
        return done

    # -- snoozes --------------------------------------------------------------
    def snooze(self, deadline_id: int, user_id: str, remind_on: date, due_on: date) -> bool:
        """False when the person had already snoozed it to that day."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    ReminderSnooze(
                        deadline_id=deadline_id, user_id=user_id, remind_on=remind_on, due_on=due_on
                    )
                )
            return True
        except IntegrityError:
            return False

    def snoozes_between(
        self, first: date, last: date
    ) -> builtins.list[tuple[ReminderSnooze, Deadline, Programme]]:
        return [
            (s, d, p)
            for s, d, p in self.session.execute(
                select(ReminderSnooze, Deadline, Programme)
                .join(Deadline, Deadline.id == ReminderSnooze.deadline_id)
                .join(Programme, Programme.id == Deadline.programme_id)
                .where(
                    ReminderSnooze.remind_on >= first,
                    ReminderSnooze.remind_on <= last,
                    Deadline.state == "open",
                )
                .order_by(ReminderSnooze.remind_on, ReminderSnooze.deadline_id)
            )
        ]
