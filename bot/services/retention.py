"""Retention per programme: archive a finished programme, purge it N years later.

An archived programme is closed: no reminders, digests or duty reminders go
out, but everything can still be read and exported. When its retention
period has passed since it was archived, the scheduler purges it, every
record in it, and writes what went to the purge log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from .. import clock
from ..context import Actor
from ..errors import Conflict, UsageError
from ..ports import UnitOfWork
from .access import audit, programme_for, require_admin, snapshot

if TYPE_CHECKING:
    from storage.models import Programme, PurgeLog

log = logging.getLogger("consult.retention")

MAX_YEARS = 50


@dataclass(frozen=True)
class Retention:
    programme: Programme
    purge_on: date | None


def purge_date(programme: Programme) -> datetime | None:
    if programme.archived_at is None or programme.retention_years is None:
        return None
    purge_at: datetime = programme.archived_at + relativedelta(years=programme.retention_years)
    return purge_at


def read_years(text: str) -> int:
    try:
        years = int(text)
    except ValueError:
        raise UsageError(f"{text[:20]!r} is not a number of years, e.g. `6 years`.") from None
    if not 1 <= years <= MAX_YEARS:
        raise UsageError(f"Keep a programme from 1 to {MAX_YEARS} years after it is archived.")
    return years


def show_retention(actor: Actor, channel_id: str, uow: UnitOfWork) -> Retention:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        when = purge_date(programme)
        return Retention(programme, when.date() if when else None)


def _change(
    actor: Actor,
    channel_id: str,
    uow: UnitOfWork,
    doing: str,
    action: str,
    apply: Callable[[UnitOfWork, Programme], None],
) -> Retention:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, doing)
        before = snapshot(programme)
        apply(uow, programme)
        audit(uow, actor, programme, action, "programme", programme.id, before, snapshot(programme))
        uow.commit()
        when = purge_date(programme)
        return Retention(programme, when.date() if when else None)


def set_retention(actor: Actor, channel_id: str, years: int | None, uow: UnitOfWork) -> Retention:
    """`retention <N> years` (purged N years after archiving) or `retention keep` (never)."""

    def apply(uow: UnitOfWork, programme: Programme) -> None:
        if programme.retention_years == years:
            raise Conflict("That is already the programme's retention; nothing changed.")
        programme.retention_years = years

    return _change(actor, channel_id, uow, "set how long it is kept", "programme.retention", apply)


def archive_programme(actor: Actor, channel_id: str, uow: UnitOfWork) -> Retention:
    def apply(uow: UnitOfWork, programme: Programme) -> None:
        if programme.archived_at is not None:
            raise Conflict("The programme is already archived.")
        if uow.votes.open_votes(programme.id):
            raise Conflict("A vote is still open: close it first (`/consult vote close`).")
        programme.archived_at = clock.now()

    return _change(actor, channel_id, uow, "archive the programme", "programme.archive", apply)


def reopen_programme(actor: Actor, channel_id: str, uow: UnitOfWork) -> Retention:
    def apply(uow: UnitOfWork, programme: Programme) -> None:
        if programme.archived_at is None:
            raise Conflict("The programme is not archived.")
        programme.archived_at = None

    return _change(actor, channel_id, uow, "reopen the programme", "programme.reopen", apply)


def purge_due(uow: UnitOfWork, now: datetime, by: str = "scheduler") -> list[PurgeLog]:
    """Purge every archived programme whose retention period has passed; log each purge."""
    purged = []
    with uow:
        due = [
            p.id
            for p in uow.retention.archived()
            if (purge_at := purge_date(p)) is not None and purge_at <= now
        ]
    for programme_id in due:  # one transaction each: one failure leaves the others done
        with uow:
            programme = uow.programmes.get(programme_id)
            purge_at = purge_date(programme) if programme is not None else None
            if programme is None or purge_at is None or purge_at > now:
                continue
            entry = uow.retention.purge(programme, by, now)
            uow.commit()
            log.warning(
                "purged programme %s (%r) of team %s, archived %s, kept %s years: %s",
                entry.programme_id,
                entry.programme_name,
                entry.team_id,
                entry.archived_at.date(),
                entry.retention_years,
                entry.records,
            )
            purged.append(entry)
    return purged
