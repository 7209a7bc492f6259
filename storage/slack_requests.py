"""The ledger of acknowledged Slack requests: what the web process promised and the workers owe.

Each step is one short transaction on its own connection; the primary key (the
request's Slack id) decides between two deliveries of one request, and the
state decides between two runs of one job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bot.clock import now
from storage.db import goes_first
from storage.models.slack import SlackRequest

# Long after Slack stops retrying and any worker has caught up.
KEEP_DONE_FOR = timedelta(days=1)


# An engine (a connection of its own per step) or the connection a worker's job holds.
Bind = Engine | Connection

# The request a worker thread is running now (None elsewhere).
running_request: ContextVar[str | None] = ContextVar("consult_running_request", default=None)


@dataclass(frozen=True)
class Pending:
    key: str
    body: str
    content_type: str
    received_at: datetime
    attempts: int
    # A previous run committed its changes and then died before it could answer:
    # running it again would do them twice.
    changes_committed: bool
    # A previous run's reply reached Slack before it died: another would be a second answer.
    replied: bool = False
    # The listener the web process matched (None: the worker matches it).
    listener: str | None = None


@contextmanager
def _transaction(bind: Bind) -> Iterator[Connection]:
    """A transaction on `bind`: an engine's own connection, or the one a job holds."""
    if isinstance(bind, Connection):
        with bind.begin():
            yield bind
    else:
        with bind.begin() as conn:
            yield conn


def _fields(
    key: str,
    kind: str,
    team_id: str | None,
    body: str,
    content_type: str,
    listener: str | None = None,
) -> dict[str, Any]:
    """A new request's row, cut to its columns' lengths."""
    return {
        "listener": listener[:200] if listener else None,
        "key": key[:120],
        "kind": kind[:32],
        "team_id": (team_id or "")[:32] or None,
        "body": body,
        "content_type": content_type[:100],
        "received_at": now(),
    }


def record(
    engine: Engine,
    key: str,
    kind: str,
    team_id: str | None,
    body: str,
    content_type: str,
    listener: str | None = None,
) -> bool:
    """Write the request down before acking it, with the listener the web process matched.
    False when its Slack id is already here."""
    try:
        with goes_first(), engine.begin() as conn:
            conn.execute(
                insert(SlackRequest).values(
                    **_fields(key, kind, team_id, body, content_type, listener),
                    state="queued",
                    attempts=0,
                )
            )
        return True
    except IntegrityError:
        return False


# PostgreSQL: the request written down and `then` (an SQL expression over the new row's
# key) run in one statement, one round trip on an autocommit connection. A duplicate
# inserts nothing, so `then` does not run and no row comes back.
_RECORD_THEN = (
    "WITH fresh AS (INSERT INTO slack_request "
    "(key, kind, team_id, body, content_type, listener, state, attempts, received_at) "
    "VALUES (:key, :kind, :team_id, :body, :content_type, :listener, 'queued', 0, :received_at) "
    "ON CONFLICT (key) DO NOTHING RETURNING key) SELECT {then} FROM fresh"
)


def record_then(
    autocommit_engine: Engine,
    key: str,
    kind: str,
    team_id: str | None,
    body: str,
    content_type: str,
    then: str,
    params: dict[str, Any],
    listener: str | None = None,
) -> bool:
    """record() in a single statement on PostgreSQL, with `then` in it. False when its Slack
    id is already here. A connection the database dropped is replaced and tried once more."""
    statement = text(_RECORD_THEN.format(then=then)).bindparams(
        bindparam("received_at", type_=SlackRequest.received_at.type)
    )
    values = {**params, **_fields(key, kind, team_id, body, content_type, listener)}

    def once() -> bool:
        with autocommit_engine.connect() as conn:
            return conn.execute(statement, values).first() is not None

    try:
        return once()
    except DBAPIError as e:
        if not e.connection_invalidated:
            raise
    return once()


class RunningElsewhere(Exception):
    """Another run took this request less than `running_for` ago. Its worker may be alive, or it
    may have just died (the queue can notice a dead worker's heartbeat before the claim is that
    old): either way this job must not end here, unanswered. The queue tries it again later."""


def claim(bind: Bind, key: str, running_for: timedelta = timedelta(0)) -> Pending | None:
    """Take a request to run: None when it is done (a retry, or a duplicate job) or unknown;
    RunningElsewhere when another run took it less than `running_for` ago. `running_for` 0
    takes over any run (one process, at its start: whatever it left running is stale); with
    several workers it must be above 0. `bind`: the engine, or the connection the job holds."""
    taken_at = now()
    with _transaction(bind) as conn:
        # One round trip in the usual case: take it and read it back in one statement.
        row = conn.execute(
            update(SlackRequest)
            .where(
                SlackRequest.key == key,
                SlackRequest.state != "done",
                or_(
                    SlackRequest.state != "running",
                    SlackRequest.started_at <= taken_at - running_for,
                ),
            )
            .values(
                # "committed" stays: a run after a crash must not make the changes again.
                state=case((SlackRequest.state == "committed", "committed"), else_="running"),
                attempts=SlackRequest.attempts + 1,
                started_at=taken_at,
            )
            .returning(
                SlackRequest.state,
                SlackRequest.body,
                SlackRequest.content_type,
                SlackRequest.received_at,
                SlackRequest.attempts,
                SlackRequest.replied_at,
                SlackRequest.listener,
            )
        ).one_or_none()
        if row is None:
            state = conn.scalar(select(SlackRequest.state).where(SlackRequest.key == key))
            if state == "running":
                raise RunningElsewhere(key)
            return None
    return Pending(
        key,
        row.body,
        row.content_type,
        row.received_at,
        row.attempts,
        changes_committed=row.state == "committed",
        replied=row.replied_at is not None,
        listener=row.listener,
    )


def mark_replied(bind: Bind, key: str) -> None:
    """The request's reply reached Slack (its own short transaction, straight after the send)."""
    with _transaction(bind) as conn:
        conn.execute(update(SlackRequest).where(SlackRequest.key == key).values(replied_at=now()))


def mark_done(bind: Bind, key: str) -> None:
    with _transaction(bind) as conn:
        conn.execute(
            update(SlackRequest)
            .where(SlackRequest.key == key)
            .values(state="done", done_at=now(), body="")  # the payload is no longer needed
        )


def unfinished(engine: Engine, limit: int = 1000) -> list[str]:
    """Keys not yet done, oldest first (what a worker picks up after a restart)."""
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(SlackRequest.key)
                .where(SlackRequest.state != "done")
                .order_by(SlackRequest.received_at)
                .limit(limit)
            )
        )


def depth(engine: Engine) -> int:
    """How many acknowledged requests are waiting or running."""
    with engine.connect() as conn:
        return (
            conn.scalar(
                select(func.count()).select_from(SlackRequest).where(SlackRequest.state != "done")
            )
            or 0
        )


def forget_done(engine: Engine) -> int:
    with engine.begin() as conn:
        return conn.execute(
            delete(SlackRequest).where(
                SlackRequest.state == "done", SlackRequest.done_at < now() - KEEP_DONE_FOR
            )
        ).rowcount


def note_changes_made(session: Session, key: str) -> None:
    """In the transaction that makes a running request's changes: they are made. It commits
    with them, so a retry after a crash knows not to make them again (UnitOfWork.commit())."""
    session.connection().execute(
        update(SlackRequest)
        .where(SlackRequest.key == key, SlackRequest.state == "running")
        .values(state="committed")
    )
