"""The unit of work: one transaction, rolled back unless committed.

Implements bot.ports.UnitOfWork: each repository is a plain attribute, made
for the transaction when `with uow:` opens it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import revisions
from storage.personal_data import PersonalDataRepository
from storage.repositories.actions import ActionRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.deadlines import DeadlineRepository
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.duties import DutyRepository
from storage.repositories.engagements import EngagementRepository
from storage.repositories.feeds import CalendarFeedRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.personal_digests import PersonalDigestRepository
from storage.repositories.programmes import ProgrammeRepository
from storage.repositories.raised_issues import RaisedIssueRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.stakeholders import StakeholderRepository
from storage.repositories.votes import VoteRepository

# The connection a worker job holds for its whole run (None elsewhere): see one_connection().
_held: ContextVar[Connection | None] = ContextVar("consult_held_connection", default=None)


@contextmanager
def one_connection(engine: Engine) -> Iterator[Connection]:
    """Within this block, this thread's units of work share one connection, checked out once.

    Each unit of work still has its own transaction on it, committed or rolled back as
    before. One nested inside another (the connection is then in a transaction) takes a
    connection of its own, so it never joins its parent's transaction.
    """
    with engine.connect() as conn:
        token = _held.set(conn)
        try:
            yield conn
        finally:
            _held.reset(token)


def held_connection(engine: Engine) -> Connection | None:
    """The connection held for this thread's job on `engine`, if it is free for a transaction."""
    conn = _held.get()
    if (
        conn is None
        or conn.closed
        or conn.invalidated
        or conn.engine is not engine
        or conn.in_transaction()
    ):
        return None
    return conn


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker, memo: dict | None = None):
        self._session_factory = session_factory
        self.session: Session | None = None
        # Per-process state shared by every unit of work on this database (read models' cache).
        self.memo = memo if memo is not None else {}

    def __enter__(self) -> UnitOfWork:
        if self.session is not None:
            raise RuntimeError("this unit of work is already open; use a second one to nest")
        held = held_connection(self._session_factory.kw["bind"])
        self.session = session = (
            self._session_factory(bind=held) if held is not None else self._session_factory()
        )
        self.programmes = ProgrammeRepository(session)
        self.stakeholders = StakeholderRepository(session)
        self.audit = AuditRepository(session)
        self.engagements = EngagementRepository(session)
        self.actions = ActionRepository(session)
        self.deadlines = DeadlineRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.votes = VoteRepository(session)
        self.feeds = CalendarFeedRepository(session)
        self.duties = DutyRepository(session)
        self.digests = DigestRepository(session)
        self.raised_issues = RaisedIssueRepository(session)
        self.personal_data = PersonalDataRepository(session)
        self.retention = RetentionRepository(session)
        self.people = PeopleRepository(session)
        self.personal_digests = PersonalDigestRepository(session)
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back whatever was not committed. Unlike rollback() it
        # leaves loaded objects readable after the block (detached, not expired).
        self.session.close()
        self.session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()


class UnitOfWorkFactory:
    """Makes a fresh unit of work per use case: `with uow_factory() as uow:`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        revisions.track(self.session_factory)
        self.memo: dict = {}

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.memo)
