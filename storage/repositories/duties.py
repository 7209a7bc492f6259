"""Duties, their evidence, and the read-only records the evidence pack is built from."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    AggregateTally,
    AuditEvent,
    Ballot,
    BallotHistory,
    Deadline,
    Duty,
    DutyEvidence,
    Elector,
    Engagement,
    EngagementStakeholder,
    Programme,
    Stakeholder,
    Vote,
)

ALL_STATES = ("open", "done", "na")


class DutyRepository:
    def __init__(self, session: Session):
        self.session = session
        self.records = PackRecords(session)

    # -- duties --------------------------------------------------------------
    def create_if_absent(self, **values: object) -> Duty | None:
        """Insert a duty unless the programme already has its key (UNIQUE(programme_id, key) decides
        between two processes); None when it was already there."""
        try:
            with self.session.begin_nested():
                duty = Duty(**values)
                self.session.add(duty)
            return duty
        except IntegrityError:
            return None

    def get(self, programme_id: int, duty_id: int) -> Duty | None:
        duty = self.session.get(Duty, duty_id)
        return duty if duty is not None and duty.programme_id == programme_id else None

    def by_key(self, programme_id: int, key: str) -> Duty | None:
        return self.session.scalar(
            select(Duty).where(Duty.programme_id == programme_id, Duty.key == key)
        )

    def keys(self, programme_id: int) -> set[str]:
        return set(self.session.scalars(select(Duty.key).where(Duty.programme_id == programme_id)))

    def list(
        self, programme_id: int, states: tuple[str, ...] = ("open",), section: str | None = None
    ) -> list[Duty]:
        """A programme's duties (open ones unless `states` says otherwise), soonest due first.

        `section` is "duty" (statutory duties) or "eoi" (the expression-of-interest
        checklist); None gives both.
        """
        q = select(Duty).where(Duty.programme_id == programme_id, Duty.state.in_(states))
        if section:
            q = q.where(Duty.section == section)
        return list(self.session.scalars(q.order_by(Duty.due_on.is_(None), Duty.due_on, Duty.id)))

    def open_due_between(self, start: date, end: date) -> builtins.list[tuple[Duty, Programme]]:
        """Open duties of every programme due in [start, end], for the reminder sweep."""
        q = (
            select(Duty, Programme)
            .join(Programme, Programme.id == Duty.programme_id)
            .where(
                Duty.state == "open",
                Duty.due_on.is_not(None),
                Duty.due_on >= start,
                Duty.due_on <= end,
                Programme.archived_at.is_(None),
            )
            .order_by(Duty.programme_id, Duty.due_on, Duty.id)
        )
        return [(d, p) for d, p in self.session.execute(q)]

    # -- evidence ------------------------------------------------------------
    def add_evidence(self, **values: object) -> DutyEvidence:
        row = DutyEvidence(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def evidence(self, duty_id: int) -> builtins.list[DutyEvidence]:
        return list(
            self.session.scalars(
                select(DutyEvidence)
                .where(DutyEvidence.duty_id == duty_id)
                .order_by(DutyEvidence.id)
            )
        )

    def evidence_of_programme(self, programme_id: int) -> dict[int, builtins.list[DutyEvidence]]:
        q = (
            select(DutyEvidence)
            .join(Duty, Duty.id == DutyEvidence.duty_id)
            .where(Duty.programme_id == programme_id)
            .order_by(DutyEvidence.id)
        )
        out: dict[int, list[DutyEvidence]] = {}
        for row in self.session.scalars(q):
            out.setdefault(row.duty_id, []).append(row)
        return out

    def evidence_counts(self, programme_id: int) -> dict[int, int]:
        q = (
            select(DutyEvidence.duty_id, func.count())
            .join(Duty, Duty.id == DutyEvidence.duty_id)
            .where(Duty.programme_id == programme_id)
            .group_by(DutyEvidence.duty_id)
        )
        return dict(self.session.execute(q).all())

    def engagement(self, programme_id: int, engagement_id: int) -> Engagement | None:
        """An engagement of this programme (evidence must come from the same programme)."""
        e = self.session.get(Engagement, engagement_id)
        return e if e is not None and e.programme_id == programme_id else None


class PackRecords:
    """Everything the evidence pack reads, as stored: no figures are computed here."""

    def __init__(self, session: Session):
        self.session = session

    def stakeholders(self, programme_id: int) -> list[Stakeholder]:
        """Removed ones too: their engagements and ballots still count."""
        return list(
            self.session.scalars(
                select(Stakeholder)
                .where(Stakeholder.programme_id == programme_id)
                .order_by(Stakeholder.id)
            )
        )

    def engagements(self, programme_id: int) -> list[Engagement]:
        """The log without withdrawn entries, in the order things happened."""
        return list(
            self.session.scalars(
                select(Engagement)
                .where(Engagement.programme_id == programme_id, Engagement.withdrawn_at.is_(None))
                .order_by(Engagement.occurred_on, Engagement.id)
            )
        )

    def engagement_links(self, programme_id: int) -> dict[int, list[int]]:
        """engagement id -> the stakeholder ids it names."""
        q = (
            select(EngagementStakeholder.engagement_id, EngagementStakeholder.stakeholder_id)
            .join(Engagement, Engagement.id == EngagementStakeholder.engagement_id)
            .where(Engagement.programme_id == programme_id, Engagement.withdrawn_at.is_(None))
            .order_by(EngagementStakeholder.engagement_id, EngagementStakeholder.stakeholder_id)
        )
        out: dict[int, list[int]] = {}
        for eid, sid in self.session.execute(q):
            out.setdefault(eid, []).append(sid)
        return out

    def engagements_by_id(self, programme_id: int, ids: Iterable[int]) -> dict[int, Engagement]:
        wanted = list(ids)
        if not wanted:
            return {}
        return {
            e.id: e
            for e in self.session.scalars(
                select(Engagement).where(
                    Engagement.programme_id == programme_id, Engagement.id.in_(wanted)
                )
            )
        }

    def votes(self, programme_id: int) -> list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.programme_id == programme_id)
                .order_by(Vote.opened_at, Vote.id)
            )
        )

    def electors(self, vote_id: int) -> list[Elector]:
        return list(
            self.session.scalars(
                select(Elector).where(Elector.vote_id == vote_id).order_by(Elector.stakeholder_id)
            )
        )

    def ballots(self, vote_id: int) -> list[Ballot]:
        return list(
            self.session.scalars(
                select(Ballot).where(Ballot.vote_id == vote_id).order_by(Ballot.stakeholder_id)
            )
        )

    def aggregate(self, vote_id: int) -> AggregateTally | None:
        return self.session.get(AggregateTally, vote_id)

    def first_cast(self, vote_id: int) -> dict[int, datetime]:
        """stakeholder id -> when its first ballot in this vote was recorded (changes come later)."""
        q = (
            select(BallotHistory.stakeholder_id, func.min(BallotHistory.recorded_at))
            .where(BallotHistory.vote_id == vote_id)
            .group_by(BallotHistory.stakeholder_id)
        )
        return dict(self.session.execute(q).all())

    def deadlines(self, programme_id: int) -> list[Deadline]:
        return list(
            self.session.scalars(
                select(Deadline)
                .where(Deadline.programme_id == programme_id, Deadline.state != "cancelled")
                .order_by(Deadline.due_on, Deadline.id)
            )
        )

    def duties(self, programme_id: int) -> list[Duty]:
        return list(
            self.session.scalars(
                select(Duty)
                .where(Duty.programme_id == programme_id)
                .order_by(Duty.section, Duty.due_on.is_(None), Duty.due_on, Duty.id)
            )
        )

    def duty_events(self, programme_id: int) -> list[AuditEvent]:
        """When duties were done, set not applicable or revised, from the audit trail."""
        return list(
            self.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.programme_id == programme_id,
                    AuditEvent.action.in_(("duty.done", "duty.na", "duty.revision")),
                )
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        )

    def last_audit_id(self, programme_id: int) -> int | None:
        return self.session.scalar(
            select(func.max(AuditEvent.id)).where(AuditEvent.programme_id == programme_id)
        )
