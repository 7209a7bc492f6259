"""Read models that know when they are stale: a small cache per process.

Coverage, the vote tally, the deadlines list and the calendar feed are
costly to build (every stakeholder, engagement or ballot of a programme) and
asked for far more often than a programme changes. Each answer is kept here
with the programme's revision (`programme.revision`, raised in the same
transaction as every write that changes what Consult shows about the
programme: storage/revisions.py) at the moment it was built, keyed by the
programme and everything else the answer depends on: its arguments, today's
date in the programme's timezone, and for answers that show people's names
the directory's change mark.

A request needs the programme's current revision *before* using anything
kept. It asks `known` (the port below; storage/invalidation.py implements
it) first: while the process hears every commit's announcement (PostgreSQL
LISTEN/NOTIFY), it knows each programme's revision without a statement, so a
hit reads nothing at all. When it does not know (first request, just after a
change, on SQLite where nothing is trusted, or while the listening
connection is lost), one indexed statement reads the revision, and `known`
files it for the next request if nothing was announced meanwhile. A kept
answer is used only when its tag is that revision: an answer is never older
than its tag.

The cache is per database (it lives beside the units of work) and bounded
(least recently used go first), so memory stays flat whatever the traffic;
announced programmes' answers are dropped at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Protocol, TypeVar

from .. import clock
from ..context import Actor
from ..errors import NoProgramme
from ..ports import UnitOfWork
from .access import SETUP_HINT

T = TypeVar("T")

# Entries kept per process: at most this many answers (coverage of a national
# programme is the largest, a few hundred kilobytes).
MAX_ENTRIES = 256

MISSING = object()


class Changed(Protocol):
    """What a commit announced (storage/invalidation.py's Announcement)."""

    @property
    def programmes(self) -> frozenset[int]: ...


class Known(Protocol):
    """What the process knows of the database as now, while it is trusted (memo["known"])."""

    def get(self, key: Hashable) -> Any:
        """The fact filed under `key`, or None: unknown, or nothing is trusted now."""
        ...

    def ticket(self) -> int | None:
        """Taken before reading a fact from the database, handed back to put()."""
        ...

    def put(
        self,
        ticket: int | None,
        key: Hashable,
        value: Any,
        programmes: Iterable[int] = (),
        teams: Iterable[str] = (),
    ) -> None:
        """File a fact read since `ticket`, dropped when any of its programmes (or workspaces'
        directories) is announced; not filed if one was announced since `ticket`."""
        ...

    def subscribe(self, drop: Callable[[Changed | None], None]) -> None:
        """Call `drop` with each announcement (None: forget everything)."""
        ...


def known_of(uow: UnitOfWork) -> Known | None:
    """What this process knows of the database behind `uow` (None: a unit of work without)."""
    found: Known | None = uow.memo.get("known")
    return found


class ReadModelCache:
    """Values tagged with what they were built from; a lookup with another tag misses."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        # key -> (tag, value, programme id or None)
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any, int | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, tag: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != tag:
                self.misses += 1
                return MISSING
            self._entries.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(
        self, key: Hashable, tag: Hashable, value: Any, programme_id: int | None = None
    ) -> None:
        with self._lock:
            self._entries[key] = (tag, value, programme_id)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def drop(self, changed: Changed | None) -> None:
        """Forget the answers about the programmes a commit changed (None: every answer)."""
        if changed is None:
            self.clear()
            return
        with self._lock:
            gone = [k for k, e in self._entries.items() if e[2] in changed.programmes]
            for key in gone:
                del self._entries[key]


def cache_of(uow: UnitOfWork) -> ReadModelCache:
    """This process's cache for the database behind `uow`."""
    memo = uow.memo
    found: ReadModelCache | None = memo.get("read_models")
    if found is None:
        with _MAKING:
            found = memo.get("read_models")
            if found is None:
                found = memo["read_models"] = ReadModelCache()
                known = known_of(uow)
                if known is not None:
                    known.subscribe(found.drop)
    return found


_MAKING = threading.Lock()


def cached(
    uow: UnitOfWork,
    key: Hashable,
    tag: Hashable,
    build: Callable[[], T],
    programme_id: int | None = None,
    fresh: Callable[[T], bool] | None = None,
) -> T:
    """The kept value at `tag`, or build, keep and return it (`tag` read before building).
    `fresh`: whether a kept value still holds now (for answers that time changes too)."""
    cache = cache_of(uow)
    kept = cache.get(key, tag)
    if kept is not MISSING and (fresh is None or fresh(kept)):
        found: T = kept
        return found
    value = build()
    cache.put(key, tag, value, programme_id)
    return value


def of_channel(
    uow: UnitOfWork,
    actor: Actor,
    channel_id: str,
    what: str,
    args: tuple[Hashable, ...],
    build: Callable[[], T],
) -> T:
    """A read model of the channel's programme (inside an open unit of work).

    The programme's id, revision and timezone, known (no statement) or read
    with one indexed statement; `build` runs only when this process holds
    nothing at that revision for these arguments and today's date there.
    """
    programme_id, revision, timezone = channel_revision(uow, actor.team_id, channel_id)
    today = clock.today_in(timezone)
    return cached(uow, (what, programme_id, args, today), revision, build, programme_id)


def channel_revision(uow: UnitOfWork, team_id: str, channel_id: str) -> tuple[int, int, str]:
    """(id, revision, timezone) of the channel's programme as now: known, or read and filed."""
    known = known_of(uow)
    key = ("channel", team_id, channel_id)
    found: tuple[int, int, str] | None = known.get(key) if known is not None else None
    if found is not None:
        return found
    ticket = known.ticket() if known is not None else None
    row = uow.programmes.revision_by_channel(team_id, channel_id)
    if row is None:
        raise NoProgramme(SETUP_HINT)
    found = (row[0], row[1], row[2])
    if known is not None:
        known.put(ticket, key, found, programmes=(found[0],))
    return found
