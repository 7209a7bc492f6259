"""The scheduler: one tick a minute runs every sweep, in one process at a time.

Several processes may run it (serve workers, `python app.py scheduler`,
a shell). Only the leader sweeps:
- on PostgreSQL, the leader holds a session-level advisory lock on a
  connection of its own. If the leader dies its connection drops, the lock
  goes with it, and another process takes it at its next tick (within a
  minute);
- on SQLite, the leader holds an exclusive lock on a file beside the
  database file; the operating system releases it when the process dies.
Leadership only saves work: the delivery ledger is what makes each send
exactly-once, even if two processes swept at the same moment.

What is due lives in the database, not in the scheduler: the jobs are fixed
(explicit ids, in memory) and catch-up after downtime comes from the sweeps.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, text

from bot import clock

log = logging.getLogger("consult.scheduler")

TICK_JOB = "consult-sweeps"
TICK_SECONDS = 60
# A tick that starts more than this late is skipped: the next one, a minute on, finds the same work.
MISFIRE_GRACE_SECONDS = 30
# Any constant will do: it names the scheduler's advisory lock (the migration lock uses another).
LEADER_LOCK = 7_401_226


class Leadership:
    """Whether this process is the scheduler's leader; `hold()` tries to become (or stay) it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn = None
        self._file = None
        self._lock = threading.Lock()
        self.is_leader = False

    def hold(self) -> bool:
        with self._lock:
            was = self.is_leader
            try:
                self.is_leader = (
                    self._hold_pg()
                    if self.engine.dialect.name == "postgresql"
                    else self._hold_file()
                )
            except Exception as e:
                log.warning(
                    "could not check the scheduler's leadership (%s); not sweeping this tick",
                    type(e).__name__,
                )
                self._drop_connection()
                self.is_leader = False
            if self.is_leader and not was:
                log.info("this process now runs the scheduled work (pid %s)", os.getpid())
            elif was and not self.is_leader:
                log.warning("this process no longer runs the scheduled work (pid %s)", os.getpid())
            return self.is_leader

    def _hold_pg(self) -> bool:
        if self._conn is not None:
            # Still our session? Then the session-level lock is still ours.
            self._conn.execute(text("SELECT 1"))
            return True
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _hold_file(self) -> bool:
        if self._file is not None:
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # a private in-memory database has one process by definition
        handle = open(os.path.abspath(database) + ".scheduler.lock", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never back to the pool: the lock must go with it
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
                except Exception:
                    pass
                self._drop_connection()
            if self._file is not None:
                try:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
                finally:
                    self._file.close()
                    self._file = None
            self.is_leader = False


def tick(services, leadership: Leadership) -> bool:
    """One scheduler tick: sweep everything if this process leads. True if it swept."""
    if not leadership.hold():
        return False
    import jobs

    jobs.run_sweeps(services, clock.now())
    return True


class ConsultScheduler(BackgroundScheduler):
    """APScheduler's BackgroundScheduler that gives up leadership when it shuts down."""

    def __init__(self, services, leadership: Leadership, **kwargs):
        super().__init__(**kwargs)
        self.services = services
        self.leadership = leadership

    def tick_now(self) -> bool:
        """Run a tick in the caller's thread (the shell's and the tests' way to say "now")."""
        return tick(self.services, self.leadership)

    def shutdown(self, wait: bool = True) -> None:
        try:
            if self.running:
                super().shutdown(wait=wait)
        finally:
            self.leadership.release()


def start_scheduler(
    services, tick_seconds: int = TICK_SECONDS, start: bool = True
) -> ConsultScheduler:
    """Start the background scheduler for this process. `.shutdown()` stops it and releases leadership."""
    # APScheduler logs every run at INFO: once a minute is noise in the shell and the logs.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    leadership = Leadership(services.engine)
    scheduler = ConsultScheduler(services, leadership, timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        seconds=tick_seconds,
        args=[services, leadership],
        id=TICK_JOB,
        name="run every sweep (reminders, digests, votes...)",
        replace_existing=True,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        coalesce=True,
        max_instances=1,
        next_run_time=clock.now(),  # the first tick at once: catch up on what was missed while down
    )
    if start:
        scheduler.start()
    return scheduler
