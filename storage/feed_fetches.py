"""Calendar feed fetch statistics, counted in memory and written in batches off the request path.

Subscribed calendars poll every few minutes; writing "last fetched" and the
count on each poll made every fetch (even a 304) a write transaction. Each
process now adds fetches up here and one background thread writes them every
FLUSH_SECONDS, in one transaction: `fetch_count + n` and the latest time,
so concurrent processes still add up. Also written at exit (atexit; `serve`
turns SIGTERM into an orderly exit) and before `/consult calendar status`
reads them in this process.

What a crash can lose: the fetches of the last few seconds in the crashed
process (their count and "last fetched"). Never programme data: nothing
else waits in this buffer.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from datetime import datetime

from sqlalchemy import Engine, case, literal, update

from storage.models import CalendarFeed

log = logging.getLogger("consult.calendar")

FLUSH_SECONDS = 5.0

_buffers: weakref.WeakKeyDictionary[Engine, FetchBuffer] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class FetchBuffer:
    def __init__(self, engine: Engine, every: float = FLUSH_SECONDS):
        self._engine = weakref.ref(engine)
        self._every = every
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: dict[int, tuple[int, datetime]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, feed_id: int, at: datetime) -> None:
        with self._lock:
            count, last = self._pending.get(feed_id, (0, at))
            self._pending[feed_id] = (count + 1, max(last, at))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="consult-feed-fetches", daemon=True
                )
                self._thread.start()

    def pending(self) -> int:
        with self._lock:
            return sum(n for n, _ in self._pending.values())

    def _run(self) -> None:
        while not self._wake.wait(self._every):
            if self._engine() is None:
                return
            try:
                self.flush()
            except Exception:  # the database away for a moment: kept, tried again next time
                log.warning("could not write calendar fetch counts yet", exc_info=True)

    def flush(self) -> int:
        """Write what is pending in one transaction; returns the feeds written."""
        engine = self._engine()
        if engine is None:
            return 0
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                with engine.begin() as conn:
                    for feed_id, (count, at) in sorted(batch.items()):
                        when = literal(at, CalendarFeed.last_fetched_at.type)
                        conn.execute(
                            update(CalendarFeed)
                            .where(CalendarFeed.id == feed_id)
                            .values(
                                fetch_count=CalendarFeed.fetch_count + count,
                                last_fetched_at=case(
                                    (CalendarFeed.last_fetched_at.is_(None), when),
                                    (CalendarFeed.last_fetched_at < when, when),
                                    else_=CalendarFeed.last_fetched_at,
                                ),
                            )
                        )
            except Exception:
                with self._lock:  # put them back, merged with any counted meanwhile
                    for feed_id, (count, at) in batch.items():
                        n, last = self._pending.get(feed_id, (0, at))
                        self._pending[feed_id] = (n + count, max(last, at))
                raise
            return len(batch)

    def stop(self) -> None:
        self._wake.set()


def buffer_for(engine: Engine) -> FetchBuffer:
    """The process's buffer for this database."""
    with _lock:
        found = _buffers.get(engine)
        if found is None:
            found = _buffers[engine] = FetchBuffer(engine)
        return found


def flush_all() -> None:
    """Write every buffer now (at shutdown)."""
    for found in list(_buffers.values()):
        try:
            found.flush()
        except Exception:
            log.warning("calendar fetch counts not written at exit", exc_info=True)


atexit.register(flush_all)
