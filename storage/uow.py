"""The unit of work: one transaction, rolled back unless committed.

Implements bot.ports.UnitOfWork: each repository is a plain attribute, made
for the transaction when `with uow:` opens it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import revisions, slack_requests
from storage.feed_fetches import FetchBuffer
from storage.invalidation import CHANNEL, Known, Listener
from storage.personal_data import PersonalDataRepository
from storage.repositories.actions import ActionRepository
from storage.repositories.audit import AuditRepository, extend_chains_and_raise_revisions
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
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        memo: dict[str, Any],
        fetches: FetchBuffer,
        known: Known | None = None,
        channel: str | None = None,
    ):
        self._session_factory = session_factory
        self._session: Session | None = None
        # Per-process state shared by every unit of work on this database: the read models'
        # cache, what is known of the database while trusted (memo["known"]), and the calendar
        # fetches counted but not yet written.
        self.memo = memo
        self._fetches = fetches
        self._known = known
        self._channel = channel  # where commits NOTIFY (PostgreSQL), or None

    @property
    def session(self) -> Session:
        """The open transaction's session (only inside `with uow:`)."""
        if self._session is None:
            raise RuntimeError("a unit of work is used inside `with uow:` only")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; use a second one to nest")
        held = held_connection(self._session_factory.kw["bind"])
        self._session = session = (
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
        self.feeds = CalendarFeedRepository(session, self._fetches)
        self.duties = DutyRepository(session)
        self.digests = DigestRepository(session)
        self.raised_issues = RaisedIssueRepository(session)
        self.personal_data = PersonalDataRepository(session)
        self.retention = RetentionRepository(session)
        self.people = PeopleRepository(session)
        self.personal_digests = PersonalDigestRepository(session)
        return self

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed. Unlike rollback() it
        # leaves loaded objects readable after the block (detached, not expired).
        self.session.close()
        self._session = None

    def commit(self) -> None:
        """Commit the transaction, and with it, in this order:
        1. each changed programme's audit chain extended, and its revision raised (read models
           compare it), under a short lock on the programme's row;
        2. when a worker is running a Slack request: the ledger's note that the request's
           changes are made, so that a retry after a crash does not make them twice;
        3. on PostgreSQL, the announcement of what it changed (those programmes, workspaces
           whose directory changed: storage/invalidation.py) sent to every process with
           `pg_notify`, inside the transaction so that it is delivered only if it commits;
        then, after the commit:
        4. the same announcement made to this process at once (its own listener hears it a
           moment later), so that its next request does not use what the commit changed.
        """
        session = self.session
        with session.no_autoflush:
            changed = extend_chains_and_raise_revisions(
                self.audit, revisions.programmes_touched(session)
            )
        request = slack_requests.running_request.get()
        if request is not None:
            session.flush()
            if revisions.wrote(session):
                slack_requests.note_changes_made(session, request)
        news = revisions.announcement(session, changed)
        if news and self._channel is not None:
            for payload in news.payloads():
                session.execute(select(func.pg_notify(self._channel, payload)))
        session.commit()
        revisions.forget(session)
        if news and self._known is not None:
            self._known.announce(news)

    def rollback(self) -> None:
        self.session.rollback()
        revisions.forget(self.session)

    def flush(self) -> None:
        self.session.flush()


class UnitOfWorkFactory:
    """Makes a fresh unit of work per use case: `with services.new_uow() as uow:`.

    Per database and process, it keeps what is known of the database (`known`, in
    memo["known"]: storage/invalidation.py), trusted only while `listen()` has a listener
    hearing every commit's announcement. On PostgreSQL commits NOTIFY `channel` (None: they
    announce nothing to other processes, and this process never listens). On SQLite nothing is
    ever trusted: another process may write the same file without a word, so requests keep
    reading revisions with their statement (cheap, embedded); the caches of what was built at
    a revision stay.
    """

    def __init__(self, engine: Engine, channel: str | None = CHANNEL):
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        revisions.watch_writes(self.session_factory)
        self.known = Known()
        self.memo: dict[str, Any] = {"known": self.known}
        self.fetches = FetchBuffer(engine)
        self.channel = channel if engine.dialect.name == "postgresql" else None
        self.listener: Listener | None = None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.memo, self.fetches, self.known, self.channel)

    def listen(self) -> Listener | None:
        """Start this process's listener (PostgreSQL; once). Until it is listening, and whenever
        it loses its connection, requests read revisions as if nothing were pushed."""
        if self.channel is None:
            return None
        if self.listener is None:
            self.listener = Listener(self.engine, self.known, self.channel).start()
        return self.listener

    def stop_listening(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
