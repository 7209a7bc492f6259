"""Pushed invalidation: what this process knows of the database, trusted while it is told of changes.

Every commit that raises programmes' revisions (UnitOfWork.commit()) announces
them: on PostgreSQL with a NOTIFY on CHANNEL sent inside the transaction (so
it is delivered only if the transaction commits, and in commit order), and in
the committing process straight after its commit. A workspace whose people
directory changed (the names feeds show) is announced too, and a write that
cannot be placed (raw SQL on many tables, Core DML on the directory)
announces "everything".

`Known` is this process's map of facts read from the database as now (a
channel's programme and revision; a feed's row with its programme's revision
and the directory's mark), each filed under the programmes and workspaces it
depends on. It answers only while trusted, that is while a `Listener` holds
a connection that LISTENs on CHANNEL. An announcement drops what is filed
under it, and tells the caches that subscribed (the read models and feed
bytes, bot/services/read_models.py).

The listener is one thread with its own autocommit psycopg connection. When
that connection is lost, the process stops trusting at once and empties its
caches, so that every request reads revisions with a statement as if nothing
were pushed; it reconnects with back-off and trusts again only once LISTEN
is back, after emptying the caches again (what was announced meanwhile was
missed). A notification reaches other processes a moment after the commit
(milliseconds); `Listener.sync()` waits until every commit made before it
has been heard.

On SQLite there is no listener, so nothing is ever trusted: requests read
revisions with their (embedded, cheap) statement, because another process
(`python app.py shell`) may write the same file and could not tell this one.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine

log = logging.getLogger("consult.invalidation")

CHANNEL = "consult_revisions"
EVERYTHING = "*"
# Facts kept per process (a channel's programme; a feed's row): small rows, bounded all the same.
MAX_FACTS = 20_000
# A NOTIFY payload must stay under 8000 bytes.
_PAYLOAD_LIMIT = 7_000


@dataclass(frozen=True)
class Announcement:
    """What a commit changed: programmes (revision raised), workspaces (directory changed), or
    everything."""

    programmes: frozenset[int] = frozenset()
    teams: frozenset[str] = frozenset()
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.programmes or self.teams or self.everything)

    def payloads(self) -> list[str]:
        """The announcement as NOTIFY payloads: `12,15,t:T0123`, or `*`."""
        if self.everything:
            return [EVERYTHING]
        tokens = [str(p) for p in sorted(self.programmes)] + [f"t:{t}" for t in sorted(self.teams)]
        found: list[str] = []
        for token in tokens:
            if found and len(found[-1]) + len(token) < _PAYLOAD_LIMIT:
                found[-1] += "," + token
            else:
                found.append(token)
        return found

    @classmethod
    def parse(cls, payload: str) -> Announcement:
        programmes: set[int] = set()
        teams: set[str] = set()
        for token in payload.split(","):
            token = token.strip()
            if token.isdigit():
                programmes.add(int(token))
            elif token.startswith("t:"):
                teams.add(token[2:])
            elif token == EVERYTHING:
                return cls(everything=True)
            # anything else (a sync marker) changes nothing
        return cls(frozenset(programmes), frozenset(teams))


# A cache that drops what an announcement names (None: everything).
Subscriber = Callable[[Announcement | None], None]


class Known:
    """Facts read from the database, used instead of reading again while trusted.

    `ticket()` is taken before reading a fact, `put()` files it after: a fact
    is kept only if nothing was announced (and trust was not lost) in between,
    so a fact read just before a commit is never kept after that commit's
    announcement.
    """

    def __init__(self, size: int = MAX_FACTS):
        self.size = size
        self._lock = threading.Lock()
        self._facts: OrderedDict[Hashable, tuple[frozenset[Hashable], Any]] = OrderedDict()
        self._epoch = 0
        self._trusted = False
        self._subscribers: list[Subscriber] = []

    @property
    def trusted(self) -> bool:
        return self._trusted

    def subscribe(self, drop: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(drop)

    def get(self, key: Hashable) -> Any:
        """The fact, or None when unknown or not trusted."""
        if not self._trusted:
            return None
        with self._lock:
            found = self._facts.get(key)
            if found is None:
                return None
            self._facts.move_to_end(key)
            return found[1]

    def ticket(self) -> int | None:
        """Taken before reading a fact; None when it would not be kept."""
        return self._epoch if self._trusted else None

    def put(
        self,
        ticket: int | None,
        key: Hashable,
        value: Any,
        programmes: Iterable[int] = (),
        teams: Iterable[str] = (),
    ) -> None:
        scopes = frozenset(
            itertools.chain((("p", p) for p in programmes), (("t", t) for t in teams))
        )
        with self._lock:
            if ticket is None or not self._trusted or ticket != self._epoch:
                return
            self._facts[key] = (scopes, value)
            self._facts.move_to_end(key)
            while len(self._facts) > self.size:
                self._facts.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._facts.pop(key, None)

    def announce(self, news: Announcement) -> None:
        """Drop what `news` names, here and in the subscribed caches."""
        if not news:
            return
        with self._lock:
            self._epoch += 1
            if news.everything:
                self._facts.clear()
            else:
                gone = {("p", p) for p in news.programmes} | {("t", t) for t in news.teams}
                for key in [k for k, (scopes, _) in self._facts.items() if scopes & gone]:
                    del self._facts[key]
            subscribers = list(self._subscribers)
        for drop in subscribers:
            drop(None if news.everything else news)

    def distrust(self) -> None:
        """Notifications may be missed from now on: answer nothing, keep nothing."""
        with self._lock:
            self._trusted = False
            self._epoch += 1
            self._facts.clear()
            subscribers = list(self._subscribers)
        for drop in subscribers:
            drop(None)

    def trust(self) -> None:
        """LISTEN is established: start afresh (anything announced before it was missed)."""
        self.distrust()
        with self._lock:
            self._epoch += 1
            self._trusted = True


def _connect_args(engine: Engine) -> tuple[list[Any], dict[str, Any]]:
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    # A connection that dies without a word (a network cut) is noticed in seconds, not hours.
    cparams.setdefault("keepalives", 1)
    cparams.setdefault("keepalives_idle", 10)
    cparams.setdefault("keepalives_interval", 5)
    cparams.setdefault("keepalives_count", 3)
    cparams.setdefault("connect_timeout", 10)
    return list(cargs), dict(cparams)


class Listener:
    """One thread per process: LISTENs on `channel` and hands what it hears to `known`."""

    def __init__(
        self,
        engine: Engine,
        known: Known,
        channel: str = CHANNEL,
        *,
        poll_seconds: float = 1.0,
        check_seconds: float = 15.0,
        backoff: tuple[float, float] = (0.2, 30.0),
    ):
        self.engine = engine
        self.known = known
        self.channel = channel
        self.poll_seconds = poll_seconds
        self.check_seconds = check_seconds
        self.backoff = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._heard = threading.Condition()
        self._syncs_heard: set[str] = set()
        self._sync_numbers = itertools.count()
        self._sync_prefix = f"sync:{os.getpid()}:{id(self)}:"
        self.connections = 0  # how many times LISTEN was established

    # -- running -------------------------------------------------------------------
    def start(self) -> Listener:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="consult-revisions-listener", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.known.distrust()

    def backend_pid(self) -> int | None:
        """The listening connection's server process (tests end it to cut the connection)."""
        conn = self._conn
        return conn.info.backend_pid if conn is not None and not conn.closed else None

    def wait_trusted(self, timeout: float = 10.0) -> bool:
        """Wait until LISTEN is established and the process trusts what it knows."""
        until = time.monotonic() + timeout
        while not self.known.trusted and time.monotonic() < until:
            time.sleep(0.01)
        return self.known.trusted

    def sync(self, timeout: float = 10.0) -> None:
        """Return once every commit made before this call has been heard (PostgreSQL delivers
        notifications in commit order, so hearing one sent now is enough)."""
        marker = f"{self._sync_prefix}{next(self._sync_numbers)}"
        cargs, cparams = self._args()
        with psycopg.connect(*cargs, **cparams, autocommit=True) as conn:
            conn.execute("SELECT pg_notify(%s, %s)", (self.channel, marker))
        with self._heard:
            if not self._heard.wait_for(lambda: marker in self._syncs_heard, timeout):
                raise TimeoutError("the revisions listener did not hear its own notification")
            self._syncs_heard.discard(marker)

    def _args(self) -> tuple[list[Any], dict[str, Any]]:
        return _connect_args(self.engine)

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._stop.is_set():
            try:
                self._listen()
                delay = self.backoff[0]
            except (psycopg.Error, OSError) as e:
                if self._stop.is_set():
                    break
                log.warning(
                    "revisions listener lost its connection (%s); checking revisions on every "
                    "request until it is back (retry in %.1fs)",
                    type(e).__name__,
                    delay,
                )
            finally:
                self.known.distrust()
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.close()
            self._stop.wait(delay)
            delay = min(delay * 2, self.backoff[1])

    def _listen(self) -> None:
        cargs, cparams = self._args()
        self._conn = conn = psycopg.connect(*cargs, **cparams, autocommit=True)
        conn.execute(f'LISTEN "{self.channel}"')
        self.known.trust()
        self.connections += 1
        log.info("revisions listener: listening on %s", self.channel)
        quiet = 0.0
        while not self._stop.is_set():
            heard = False
            for note in conn.notifies(timeout=self.poll_seconds):
                heard = True
                self._hear(note.payload)
            quiet = 0.0 if heard else quiet + self.poll_seconds
            if quiet >= self.check_seconds:
                conn.execute("SELECT 1")  # a dead connection raises here, if not before
                quiet = 0.0

    def _hear(self, payload: str) -> None:
        if payload.startswith("sync:"):
            if not payload.startswith(self._sync_prefix):
                return  # another process's
            with self._heard:
                self._syncs_heard.add(payload)
                self._heard.notify_all()
            return
        self.known.announce(Announcement.parse(payload))
