"""The workspace directory: who people are, kept from Slack's users.info, user_change and a
daily users.list sweep; read wherever a mention cannot render."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime

from .. import clock
from ..people import Names, Person
from ..ports import UnitOfWork

log = logging.getLogger("consult.people")


def names_for(uow: UnitOfWork, team_id: str, user_ids: Iterable[str]) -> Names:
    """Inside an open unit of work: the names of these ids, read at once."""
    return Names(uow.people.named(team_id, user_ids))


def is_known(uow: UnitOfWork, team_id: str, user_id: str) -> bool:
    with uow:
        return uow.people.known(team_id, user_id)


def remember_people(
    uow: UnitOfWork,
    team_id: str,
    people: Iterable[Person],
    now: datetime | None = None,
) -> int:
    """Record what Slack says of these people; returns how many changed (names, deactivated)."""
    now = now or clock.now()
    changed = 0
    with uow:
        for person in people:
            if person.user_id:
                changed += uow.people.save(team_id, person, now)
        uow.commit()
    return changed


def refresh_directory(
    uow: UnitOfWork, team_id: str, pages: Iterable[list[Person]]
) -> tuple[int, int]:
    """The daily sweep's work for one workspace: every page of the directory, saved as it comes
    (a failure part-way keeps what was read). Returns (people seen, changed)."""
    seen = changed = 0
    for page in pages:
        seen += len(page)
        changed += remember_people(uow, team_id, page)
    log.info("directory of %s: %d people, %d changed", team_id, seen, changed)
    return seen, changed


def teams_with_programmes(uow: UnitOfWork) -> list[str]:
    with uow:
        return uow.people.teams_with_programmes()


def directory_key(team_id: str, day: date) -> str:
    """The delivery ledger's key for one workspace's sweep on one (UTC) day."""
    return f"directory:{team_id}:{day.isoformat()}"


def lazy_names(uow: UnitOfWork, team_id: str) -> Callable[[str | None], str]:
    """Inside an open unit of work: a name for any id, read when first asked (for streamed
    exports, whose few distinct people are not known up front)."""
    cache: dict[str, str] = {}

    def name(user_id: str | None) -> str:
        if not user_id:
            return ""
        if user_id not in cache:
            cache[user_id] = names_for(uow, team_id, [user_id])(user_id)
        return cache[user_id]

    return name
