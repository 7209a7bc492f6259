"""Read models that know when they are stale: a small cache per process, checked per request.

Coverage, the vote tally, the deadlines list and the calendar feed are
costly to build (every stakeholder, engagement or ballot of a programme) and
asked for far more often than a programme changes. Each answer is kept here
with the programme's revision (`programme.revision`, raised in the same
transaction as every write that changes what Consult shows about the
programme: storage/revisions.py) at the moment it was built, keyed by the
programme and everything else the answer depends on: its arguments, today's
date in the programme's timezone, and for answers that show people's names
the directory's change mark.

A request reads the revision with one indexed statement, *before* building
anything, and uses a kept answer only when its tag is that revision: an
answer is never older than its tag, so after a commit in any process the
next request anywhere sees the new revision and builds afresh. Nothing is
pushed between processes; a kept answer is merely never used once stale.

The cache is per database (it lives beside the units of work) and bounded
(least recently used go first), so memory stays flat whatever the traffic.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

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


class ReadModelCache:
    """Values tagged with what they were built from; a lookup with another tag misses."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
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

    def put(self, key: Hashable, tag: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (tag, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cache_of(uow: UnitOfWork) -> ReadModelCache:
    """This process's cache for the database behind `uow`."""
    memo = uow.memo
    found = memo.get("read_models")
    if found is None:
        found = memo.setdefault("read_models", ReadModelCache())
    return found


def cached(uow: UnitOfWork, key: Hashable, tag: Hashable, build: Callable[[], T]) -> T:
    """The kept value at `tag`, or build, keep and return it (`tag` read before building)."""
    cache = cache_of(uow)
    value = cache.get(key, tag)
    if value is MISSING:
        value = build()
        cache.put(key, tag, value)
    return value


def of_channel(
    uow: UnitOfWork,
    actor: Actor,
    channel_id: str,
    what: str,
    args: tuple,
    build: Callable[[], T],
) -> T:
    """A read model of the channel's programme (inside an open unit of work).

    One indexed read (the programme's id, revision and timezone); `build`
    runs only when this process holds nothing at that revision for these
    arguments and today's date there.
    """
    found = uow.programmes.revision_by_channel(actor.team_id, channel_id)
    if found is None:
        raise NoProgramme(SETUP_HINT)
    programme_id, revision, timezone = found
    today = clock.today_in(timezone)
    return cached(uow, (what, programme_id, args, today), revision, build)
