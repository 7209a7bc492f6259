"""Personal digests: who asked for one, and what one person owns across a workspace's programmes.

Each query is for one person and reads by indexed owner or link columns joined to
their programmes, so a person's digest costs about the same however many programmes
the workspace runs. Archived programmes send nothing, as for reminders.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, select
from sqlalchemy.orm import Session

from storage.models import (
    Action,
    AggregateTally,
    Ballot,
    Deadline,
    DeadlineOwner,
    Duty,
    Elector,
    PersonalDigest,
    Programme,
    RaisedIssue,
    Stakeholder,
    Vote,
)


def _live(team_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (Programme.team_id == team_id, Programme.archived_at.is_(None))


class PersonalDigestRepository:
    def __init__(self, session: Session):
        self.session = session

    # -- settings -------------------------------------------------------------
    def setting(self, team_id: str, user_id: str) -> PersonalDigest | None:
        return self.session.scalar(
            select(PersonalDigest).where(
                PersonalDigest.team_id == team_id, PersonalDigest.user_id == user_id
            )
        )

    def set(
        self, team_id: str, user_id: str, frequency: str, weekday: int, timezone: str, at: datetime
    ) -> PersonalDigest:
        row = self.setting(team_id, user_id)
        if row is None:
            row = PersonalDigest(team_id=team_id, user_id=user_id)
            self.session.add(row)
        row.frequency, row.weekday, row.timezone, row.updated_at = frequency, weekday, timezone, at
        self.session.flush()
        return row

    def stop(self, team_id: str, user_id: str) -> bool:
        done = self.session.execute(
            delete(PersonalDigest).where(
                PersonalDigest.team_id == team_id, PersonalDigest.user_id == user_id
            )
        )
        return bool(cast("CursorResult[Any]", done).rowcount)

    def all(self) -> list[PersonalDigest]:
        return list(self.session.scalars(select(PersonalDigest).order_by(PersonalDigest.id)))

    # -- what one person owns -------------------------------------------------
    def actions(self, team_id: str, user_id: str) -> list[tuple[Programme, Action]]:
        rows = self.session.execute(
            select(Programme, Action)
            .join(Action, Action.programme_id == Programme.id)
            .where(*_live(team_id), Action.owner_id == user_id, Action.state == "open")
            .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        )
        return [(p, a) for p, a in rows]

    def deadlines(
        self, team_id: str, user_id: str, until: date
    ) -> list[tuple[Programme, Deadline]]:
        """Open deadlines and meetings they own, due by `until` (overdue ones too)."""
        rows = self.session.execute(
            select(Programme, Deadline)
            .join(Deadline, Deadline.programme_id == Programme.id)
            .join(DeadlineOwner, DeadlineOwner.deadline_id == Deadline.id)
            .where(
                *_live(team_id),
                DeadlineOwner.user_id == user_id,
                Deadline.state == "open",
                Deadline.due_on <= until,
            )
            .order_by(Deadline.due_on, Deadline.id)
        )
        return [(p, d) for p, d in rows]

    def duties(self, team_id: str, user_id: str, until: date) -> list[tuple[Programme, Duty]]:
        rows = self.session.execute(
            select(Programme, Duty)
            .join(Duty, Duty.programme_id == Programme.id)
            .where(
                *_live(team_id),
                Duty.owner_id == user_id,
                Duty.state == "open",
                Duty.due_on.is_not(None),
                Duty.due_on <= until,
            )
            .order_by(Duty.due_on, Duty.id)
        )
        return [(p, duty) for p, duty in rows]

    def votes(self, team_id: str, user_id: str) -> list[tuple[Programme, Vote, Stakeholder]]:
        """Open votes they can still cast: for each practice they speak for with no ballot yet
        (a vote counted at a meeting takes no ballots)."""
        voted = select(Ballot.stakeholder_id).where(Ballot.vote_id == Vote.id)
        counted = select(AggregateTally.vote_id).where(AggregateTally.vote_id == Vote.id)
        rows = self.session.execute(
            select(Programme, Vote, Stakeholder)
            .join(Vote, Vote.programme_id == Programme.id)
            .join(Elector, Elector.vote_id == Vote.id)
            .join(Stakeholder, Stakeholder.id == Elector.stakeholder_id)
            .where(
                *_live(team_id),
                Vote.state == "open",
                Stakeholder.linked_user_id == user_id,
                Stakeholder.removed_at.is_(None),
                Stakeholder.id.not_in(voted),
                ~counted.exists(),
            )
            .order_by(Vote.closes_at, Vote.id, Stakeholder.name)
        )
        return [(p, v, s) for p, v, s in rows]

    def issues(self, team_id: str, user_id: str) -> list[tuple[Programme, RaisedIssue]]:
        """Open issues whose response they own."""
        rows = self.session.execute(
            select(Programme, RaisedIssue)
            .join(RaisedIssue, RaisedIssue.programme_id == Programme.id)
            .where(
                *_live(team_id),
                RaisedIssue.response_owner == user_id,
                RaisedIssue.state == "open",
                RaisedIssue.merged_into_id.is_(None),
            )
            .order_by(RaisedIssue.id)
        )
        return [(p, i) for p, i in rows]
