"""Checking that a programme's audit trail is as it was written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .. import audit_chain
from ..errors import NotFound
from ..ports import UnitOfWork

if TYPE_CHECKING:
    from storage.models import AuditEvent

# An entry as the report names it: (id, at, action, actor).
EntryRef = tuple[int, datetime, str, str]


@dataclass(frozen=True)
class TrailCheck:
    programme_name: str
    verdict: audit_chain.Verdict
    head_seq: int
    head_hash: str | None
    # The entry where the chain breaks, when there is one: (id, at, action, actor)
    at_break: EntryRef | None = None


def verify_trail(uow: UnitOfWork, programme_id: int) -> TrailCheck:
    with uow:
        programme = uow.programmes.get(programme_id)
        if programme is None:
            raise NotFound(f"There is no programme {programme_id}.")
        entries: dict[int, EntryRef] = {}

        def walk() -> Iterator[AuditEvent]:
            for entry in uow.audit.chain(programme_id):
                entries[entry.id] = (entry.id, entry.at, entry.action, entry.actor)
                if len(entries) > 2:  # keep only the last few, for the report
                    entries.pop(next(iter(entries)))
                yield entry

        verdict = audit_chain.verify(walk(), programme.audit_seq, programme.audit_head)
        found = None
        if verdict.first_break and verdict.first_break.audit_id is not None:
            found = entries.get(verdict.first_break.audit_id)
        return TrailCheck(
            programme.name, verdict, programme.audit_seq or 0, programme.audit_head, found
        )


PROBLEMS = {
    "altered": "was changed after it was written: what it records no longer matches its hash",
    "removed": "is missing: the entries after it jump past its number",
    "reordered": "does not follow the entry before it: entries were reordered or removed, "
    "or the one before was changed and its hash recomputed",
    "truncated": "and any after it are missing: the programme's record says the trail is longer",
}


def describe(check: TrailCheck) -> str:
    v = check.verdict
    if v.intact:
        return (
            f"The audit trail of “{check.programme_name}” is intact: {v.entries:,} entries, "
            f"each linked to the one before, ending in {check.head_hash or '(no entries yet)'}."
        )
    b = v.first_break
    assert b is not None  # not intact: it breaks somewhere
    where = f"Entry #{b.seq}"
    if check.at_break:
        audit_id, at, action, actor = check.at_break
        where += f" (audit id {audit_id}, {at:%Y-%m-%d %H:%M:%S} UTC, {action} by {actor})"
    before = f" Entries #1 to #{b.seq - 1} are intact." if b.seq > 1 else ""
    return (
        f"The audit trail of “{check.programme_name}” is NOT intact. {where} "
        f"{PROBLEMS[b.problem]}.{before}"
    )
