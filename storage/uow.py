"""The unit of work: one transaction, rolled back unless committed.

Repositories are attributes made on first use. Each lives in its own
module under storage/repositories, named in REPOSITORIES below.
"""

from __future__ import annotations

import importlib

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

REPOSITORIES = {
    "programmes": "storage.repositories.programmes:ProgrammeRepository",
    "stakeholders": "storage.repositories.stakeholders:StakeholderRepository",
    "audit": "storage.repositories.audit:AuditRepository",
    "engagements": "storage.repositories.engagements:EngagementRepository",
    "actions": "storage.repositories.actions:ActionRepository",
    "deadlines": "storage.repositories.deadlines:DeadlineRepository",
    "deliveries": "storage.repositories.deliveries:DeliveryRepository",
    "votes": "storage.repositories.votes:VoteRepository",
    "feeds": "storage.repositories.feeds:CalendarFeedRepository",
    "duties": "storage.repositories.duties:DutyRepository",
    "digests": "storage.repositories.digests:DigestRepository",
    "raised_issues": "storage.repositories.raised_issues:RaisedIssueRepository",
    "personal_data": "storage.personal_data:PersonalDataRepository",
    "retention": "storage.repositories.retention:RetentionRepository",
    "people": "storage.repositories.people:PeopleRepository",
}


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker):
        self._session_factory = session_factory
        self.session: Session | None = None
        self._repos: dict[str, object] = {}

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._repos = {}
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back whatever was not committed. Unlike rollback() it
        # leaves loaded objects readable after the block (detached, not expired).
        self.session.close()
        self.session = None

    def __getattr__(self, name: str):
        if name in REPOSITORIES:
            if self.session is None:
                raise RuntimeError("use the unit of work inside `with uow:`")
            repo = self._repos.get(name)
            if repo is None:
                repo = self._repos[name] = _load(REPOSITORIES[name])(self.session)
            return repo
        raise AttributeError(name)

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

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)
