"""Calendar feeds: the addresses (hashed tokens), their fetch log, and what a feed shows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, func, select, update
from sqlalchemy.orm import Session

from storage.feed_fetches import FetchBuffer
from storage.models import (
    Action,
    AuditEvent,
    CalendarFeed,
    Deadline,
    DeadlineOwner,
    Duty,
    Person,
    Programme,
    Vote,
)

# Deadlines and meetings that are shown: done ones stay (as history, marked done), cancelled ones go.
SHOWN_DEADLINE_STATES = ("open", "done")
SHOWN_VOTE_STATES = ("open", "closed")


class CalendarFeedRepository:
    def __init__(self, session: Session, fetches: FetchBuffer):
        self.session = session
        self.fetches = fetches  # this process's fetch counts for the database, not yet written

    # -- addresses ------------------------------------------------------------
    def create(self, **values: object) -> CalendarFeed:
        feed = CalendarFeed(**values)
        self.session.add(feed)
        self.session.flush()
        return feed

    def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        return self.session.scalar(
            select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
        )

    def lookup(self, token_hash: str) -> Row[*tuple[Any, ...]] | None:
        """The feed behind a token hash, with its programme's revision and its workspace
        directory's change mark, in one indexed statement (a 304 needs nothing more); or None."""
        people = (
            select(func.max(Person.updated_at))
            .where(Person.team_id == Programme.team_id)
            .scalar_subquery()
        )
        return self.session.execute(
            select(
                CalendarFeed.id,
                CalendarFeed.token_hash,
                CalendarFeed.kind,
                CalendarFeed.user_id,
                CalendarFeed.created_at,
                CalendarFeed.revoked_at,
                CalendarFeed.content_etag,
                CalendarFeed.content_changed_at,
                CalendarFeed.content_mark,
                CalendarFeed.programme_id,
                Programme.team_id,
                Programme.revision,
                people.label("people_mark"),
            )
            .join(Programme, Programme.id == CalendarFeed.programme_id)
            .where(CalendarFeed.token_hash == token_hash)
        ).one_or_none()

    def live(
        self, programme_id: int, kind: str | None = None, user_id: str | None = None
    ) -> list[CalendarFeed]:
        q = select(CalendarFeed).where(
            CalendarFeed.programme_id == programme_id, CalendarFeed.revoked_at.is_(None)
        )
        if kind is not None:
            q = q.where(CalendarFeed.kind == kind)
        if user_id is not None:
            q = q.where(CalendarFeed.user_id == user_id)
        return list(self.session.scalars(q.order_by(CalendarFeed.id)))

    def revoke(self, feed_ids: list[int], at: datetime) -> int:
        if not feed_ids:
            return 0
        result = self.session.execute(
            update(CalendarFeed)
            .where(CalendarFeed.id.in_(feed_ids), CalendarFeed.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return cast("CursorResult[Any]", result).rowcount

    def record_fetch(self, feed_id: int, at: datetime) -> None:
        """One fetch, counted in this process and written with others a few seconds later
        (storage/feed_fetches.py), so a fetch writes nothing on its request."""
        self.fetches.add(feed_id, at)

    def flush_fetches(self) -> None:
        """Write this process's fetches not yet written (before showing them)."""
        self.fetches.flush()

    def remember_content(
        self, feed_id: int, etag: str, mark: str, changed_at: datetime | None
    ) -> None:
        """What the feed now shows (its ETag) and at which change mark: written only when the
        mark moved, so every process after this one answers from the mark alone."""
        values: dict[str, object] = {"content_etag": etag, "content_mark": mark}
        if changed_at is not None:
            values["content_changed_at"] = changed_at
        self.session.execute(
            update(CalendarFeed).where(CalendarFeed.id == feed_id).values(**values)
        )

    # -- what a feed shows ----------------------------------------------------
    def deadlines(self, programme_id: int, owner: str | None = None) -> list[Deadline]:
        """Deadlines and meetings still shown (open or done), optionally only those `owner` owns."""
        q = select(Deadline).where(
            Deadline.programme_id == programme_id, Deadline.state.in_(SHOWN_DEADLINE_STATES)
        )
        if owner is not None:
            q = q.join(DeadlineOwner, DeadlineOwner.deadline_id == Deadline.id).where(
                DeadlineOwner.user_id == owner
            )
        return list(self.session.scalars(q.order_by(Deadline.id)))

    def deadline_owners(self, programme_id: int) -> dict[int, list[str]]:
        rows = self.session.execute(
            select(DeadlineOwner.deadline_id, DeadlineOwner.user_id)
            .join(Deadline, Deadline.id == DeadlineOwner.deadline_id)
            .where(Deadline.programme_id == programme_id)
            .order_by(DeadlineOwner.deadline_id, DeadlineOwner.user_id)
        )
        owners: dict[int, list[str]] = defaultdict(list)
        for deadline_id, user in rows:
            owners[deadline_id].append(user)
        return owners

    def votes(self, programme_id: int) -> list[Vote]:
        return list(
            self.session.scalars(
                select(Vote)
                .where(Vote.programme_id == programme_id, Vote.state.in_(SHOWN_VOTE_STATES))
                .order_by(Vote.id)
            )
        )

    def duties(self, programme_id: int, owner: str | None = None) -> list[Duty]:
        """Open duties that have a due date."""
        q = select(Duty).where(
            Duty.programme_id == programme_id, Duty.state == "open", Duty.due_on.is_not(None)
        )
        if owner is not None:
            q = q.where(Duty.owner_id == owner)
        return list(self.session.scalars(q.order_by(Duty.id)))

    def actions(self, programme_id: int, owner: str) -> list[Action]:
        """Open follow-up actions that `owner` owns and that have a due date."""
        return list(
            self.session.scalars(
                select(Action)
                .where(
                    Action.programme_id == programme_id,
                    Action.owner_id == owner,
                    Action.state == "open",
                    Action.due_on.is_not(None),
                )
                .order_by(Action.id)
            )
        )

    def change_marks(
        self, programme_id: int, entities: tuple[str, ...]
    ) -> dict[tuple[str, int], tuple[int, datetime]]:
        """(entity, id) -> (number of audited changes, when the last was), from the audit trail.

        For items whose table keeps no revision number of its own: every
        change is audited, so the count only grows as the item changes.
        """
        rows = self.session.execute(
            select(AuditEvent.entity, AuditEvent.entity_id, func.count(), func.max(AuditEvent.at))
            .where(
                AuditEvent.programme_id == programme_id,
                AuditEvent.entity.in_(entities),
                AuditEvent.entity_id.is_not(None),
            )
            .group_by(AuditEvent.entity, AuditEvent.entity_id)
        )
        return {
            (entity, entity_id): (count, _aware(at))
            for entity, entity_id, count, at in rows
            if entity_id is not None
        }


def _aware(at: datetime | str) -> datetime:
    """Aggregates bypass the column type on some engines: make sure max(at) is aware UTC."""
    if isinstance(at, str):
        return datetime.fromisoformat(at).replace(tzinfo=UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
