from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import AggregateTally, Ballot, BallotHistory, Elector, Stakeholder, Vote


class VoteRepository:
    """Votes, their electorate, ballots and aggregate counts.

    Locking: a ballot takes a shared lock on its vote row; closing and
    setting an aggregate count take an exclusive one. So a ballot never
    slips in after the count was taken at closing, and a vote never gets
    both ballots and an aggregate. Two ballots for one practice are stopped
    by the unique key (vote_id, stakeholder_id) and turned into an update.
    """

    def __init__(self, session: Session):
        self.session = session

    # -- votes -----------------------------------------------------------------
    def create(self, **values: object) -> Vote:
        vote = Vote(**values)
        self.session.add(vote)
        self.session.flush()
        return vote

    def get(self, programme_id: int, vote_id: int) -> Vote | None:
        vote = self.session.get(Vote, vote_id)
        return vote if vote is not None and vote.programme_id == programme_id else None

    def by_id(self, vote_id: int) -> Vote | None:
        return self.session.get(Vote, vote_id)

    def lock(self, vote_id: int, exclusive: bool) -> Vote | None:
        """The vote row, re-read and locked until the transaction ends (SQLite locks the whole
        database for a write transaction anyway)."""
        q = (
            select(Vote)
            .where(Vote.id == vote_id)
            .with_for_update(read=not exclusive)
            .execution_options(populate_existing=True)
        )
        return self.session.scalar(q)

    def open_votes(self, programme_id: int) -> list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.programme_id == programme_id, Vote.state == "open")
                .order_by(Vote.closes_at, Vote.id)
            )
        )

    def list(
        self, programme_id: int, states: tuple[str, ...] = ("open", "closed"), limit: int = 100
    ) -> list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.programme_id == programme_id, Vote.state.in_(states))
                .order_by(Vote.id.desc())
                .limit(limit)
            )
        )

    def deciding(self, programme_id: int) -> dict[int, builtins.list[Vote]]:
        """duty id -> the votes linked to decide it, oldest first."""
        out: dict[int, list[Vote]] = {}
        q = (
            select(Vote)
            .where(Vote.programme_id == programme_id, Vote.duty_id.is_not(None))
            .order_by(Vote.id)
        )
        for vote in self.session.scalars(q):
            if vote.duty_id is not None:  # the query's own filter; narrows the type
                out.setdefault(vote.duty_id, []).append(vote)
        return out

    def due_to_close(self, now: datetime) -> builtins.list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.state == "open", Vote.closes_at <= now)
                .order_by(Vote.closes_at, Vote.id)
            )
        )

    def all_open(self) -> builtins.list[Vote]:
        return list(
            self.session.scalars(select(Vote).where(Vote.state == "open").order_by(Vote.id))
        )

    def closed_since(self, since: datetime) -> builtins.list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.state == "closed", Vote.closed_at >= since)
                .order_by(Vote.id)
            )
        )

    # -- electorate ----------------------------------------------------------------
    def add_electors(self, vote_id: int, sizes: dict[int, int]) -> None:
        self.session.add_all(
            Elector(vote_id=vote_id, stakeholder_id=sid, list_size=size)
            for sid, size in sizes.items()
        )
        self.session.flush()

    def electorate(self, vote_id: int) -> builtins.list[tuple[Elector, Stakeholder]]:
        return [
            (e, s)
            for e, s in self.session.execute(
                select(Elector, Stakeholder)
                .join(Stakeholder, Stakeholder.id == Elector.stakeholder_id)
                .where(Elector.vote_id == vote_id)
                .order_by(Stakeholder.name, Stakeholder.id)
            )
        ]

    def electorate_size(self, vote_id: int) -> tuple[int, int]:
        """(practices, total list size)."""
        count, size = self.session.execute(
            select(func.count(), func.coalesce(func.sum(Elector.list_size), 0)).where(
                Elector.vote_id == vote_id
            )
        ).one()
        return int(count), int(size)

    def is_elector(self, vote_id: int, stakeholder_id: int) -> bool:
        return self.session.get(Elector, (vote_id, stakeholder_id)) is not None

    def electors_linked_to(self, vote_id: int, user_id: str) -> builtins.list[Stakeholder]:
        return list(
            self.session.scalars(
                select(Stakeholder)
                .join(Elector, Elector.stakeholder_id == Stakeholder.id)
                .where(
                    Elector.vote_id == vote_id,
                    Stakeholder.linked_user_id == user_id,
                    Stakeholder.removed_at.is_(None),
                )
                .order_by(Stakeholder.name)
            )
        )

    def unvoted_linked(self, vote_id: int) -> builtins.list[Stakeholder]:
        """Electors with a linked person and no ballot yet (who reminders go to)."""
        voted = select(Ballot.stakeholder_id).where(Ballot.vote_id == vote_id)
        return list(
            self.session.scalars(
                select(Stakeholder)
                .join(Elector, Elector.stakeholder_id == Stakeholder.id)
                .where(
                    Elector.vote_id == vote_id,
                    Stakeholder.linked_user_id.is_not(None),
                    Stakeholder.removed_at.is_(None),
                    Stakeholder.id.not_in(voted),
                )
                .order_by(Stakeholder.name)
            )
        )

    # -- ballots -----------------------------------------------------------------
    def ballots(self, vote_id: int) -> builtins.list[Ballot]:
        return list(
            self.session.scalars(
                select(Ballot).where(Ballot.vote_id == vote_id).order_by(Ballot.id)
            )
        )

    def ballot_count(self, vote_id: int) -> int:
        return self.session.execute(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)
        ).scalar_one()

    def ballot_of(self, vote_id: int, stakeholder_id: int, lock: bool = False) -> Ballot | None:
        q = select(Ballot).where(Ballot.vote_id == vote_id, Ballot.stakeholder_id == stakeholder_id)
        if lock:
            q = q.with_for_update().execution_options(populate_existing=True)
        return self.session.scalar(q)

    def cast(
        self,
        vote_id: int,
        stakeholder_id: int,
        choice: str,
        method: str,
        recorded_by: str,
        now: datetime,
    ) -> tuple[Ballot, dict[str, object] | None, bool]:
        """Insert or update the practice's single ballot; returns (ballot, before, changed).

        `before` is the previous ballot's columns (None for a first ballot). When two
        transactions insert at once, the unique key fails one of them; that one then
        updates the row the other wrote, so nobody sees an error and there is one ballot.
        """
        existing = self.ballot_of(vote_id, stakeholder_id, lock=True)
        if existing is None:
            try:
                with self.session.begin_nested():
                    ballot = Ballot(
                        vote_id=vote_id,
                        stakeholder_id=stakeholder_id,
                        choice=choice,
                        method=method,
                        recorded_by=recorded_by,
                        recorded_at=now,
                        changes=0,
                    )
                    self.session.add(ballot)
                self._history(vote_id, stakeholder_id, choice, method, recorded_by, now)
                return ballot, None, True
            except IntegrityError:
                existing = self.ballot_of(vote_id, stakeholder_id, lock=True)
                if existing is None:  # not a duplicate: some other constraint failed
                    raise
        before = {
            "choice": existing.choice,
            "method": existing.method,
            "recorded_by": existing.recorded_by,
            "recorded_at": existing.recorded_at.isoformat(),
            "changes": existing.changes,
        }
        if existing.choice == choice and existing.method == method:
            return existing, before, False
        existing.choice, existing.method, existing.recorded_by, existing.recorded_at = (
            choice,
            method,
            recorded_by,
            now,
        )
        existing.changes = (existing.changes or 0) + 1
        self._history(vote_id, stakeholder_id, choice, method, recorded_by, now)
        self.session.flush()
        return existing, before, True

    def _history(
        self,
        vote_id: int,
        stakeholder_id: int,
        choice: str,
        method: str,
        recorded_by: str,
        now: datetime,
    ) -> None:
        self.session.add(
            BallotHistory(
                vote_id=vote_id,
                stakeholder_id=stakeholder_id,
                choice=choice,
                method=method,
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
        self.session.flush()

    def history(self, vote_id: int) -> builtins.list[BallotHistory]:
        return list(
            self.session.scalars(
                select(BallotHistory)
                .where(BallotHistory.vote_id == vote_id)
                .order_by(BallotHistory.id)
            )
        )

    # -- aggregate count ---------------------------------------------------------
    def aggregate(self, vote_id: int) -> AggregateTally | None:
        return self.session.get(AggregateTally, vote_id)

    def set_aggregate(self, vote_id: int, **values: object) -> AggregateTally:
        row = self.session.get(AggregateTally, vote_id)
        if row is None:
            row = AggregateTally(vote_id=vote_id, **values)
            self.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()
        return row
