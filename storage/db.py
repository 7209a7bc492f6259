"""Engines and migrations. Engines are made here, never at import time."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).parent / "migrations"


class WriterTurns:
    """SQLite has one writer at a time, and every transaction here begins IMMEDIATE (takes the
    write lock at BEGIN). Left to SQLite, a waiting transaction sleeps in its busy handler, up to
    100 ms between tries, however soon the lock is free. Within one process, threads take turns
    here first: the next starts the moment the last one ends, and an ack (which must answer
    Slack within 3 seconds, and whose write is one short insert) goes before the workers'
    transactions waiting with it. Other processes still meet SQLite's own lock."""

    def __init__(self, patience: float = 30.0):
        self._free = threading.Condition()
        self._held = False
        self._first_waiting = 0
        self.patience = patience  # then go on to SQLite's lock, as without turns

    def take(self, first: bool) -> bool:
        """Wait for this thread's turn; True when taken (give() it back), False on timeout."""
        deadline = time.monotonic() + self.patience
        with self._free:
            if first:
                self._first_waiting += 1
            try:
                while self._held or (not first and self._first_waiting):
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._free.wait(left):
                        return False
                self._held = True
                return True
            finally:
                if first:
                    self._first_waiting -= 1

    def give(self) -> None:
        with self._free:
            self._held = False
            self._free.notify_all()


# Set while a thread writes what must not wait behind other writers (the ack's ledger row).
_goes_first: ContextVar[bool] = ContextVar("consult_write_goes_first", default=False)


@contextmanager
def goes_first() -> Iterator[None]:
    """Within this block, this thread's SQLite transactions take their turn before others'."""
    token = _goes_first.set(True)
    try:
        yield
    finally:
        _goes_first.reset(token)


_TURN = "consult_writer_turn"
# Any constant will do: it names the advisory lock that serialises migrations.
_MIGRATION_LOCK = 7_401_225


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            # WAL lets the scheduler and the web server read while one writes;
            # foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if parsed.database and parsed.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take it over so
        # that a write transaction takes its lock at BEGIN (no upgrade deadlocks).
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(
            dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry
        ) -> None:
            dbapi_conn.isolation_level = None

        turns = WriterTurns()

        def _end_turn(conn: Connection | ConnectionPoolEntry) -> None:
            if conn.info.pop(_TURN, False):
                turns.give()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.info[_TURN] = turns.take(first=_goes_first.get())
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _end_turn(conn)
                raise

        # The turn ends as the transaction does; and, should a connection go back to the
        # pool (or be dropped) with its transaction still open, as it is reset.
        event.listen(engine, "commit", _end_turn)
        event.listen(engine, "rollback", _end_turn)

        @event.listens_for(engine, "reset")
        def _reset(_dbapi_conn: object, record: ConnectionPoolEntry, _state: object) -> None:
            _end_turn(record)

        @event.listens_for(engine, "invalidate")
        def _dropped(_dbapi_conn: object, record: ConnectionPoolEntry, _e: object) -> None:
            _end_turn(record)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Tables Consult's models declare; procrastinate's own (PostgreSQL) belong to its schema."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrator at a time, even when several processes start together."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
    else:
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(os.path.abspath(database) + ".migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the current schema (a no-op when it is there)."""
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)
