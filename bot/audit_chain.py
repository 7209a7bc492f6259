"""The audit trail as a hash chain, one per programme.

Each entry carries its number in the programme's trail (1, 2, 3...), the hash
of the entry before it, and its own hash over both and everything it
records. Changing an entry breaks its own hash; removing or reordering
entries breaks the numbering or the links; removing the last entries leaves
the trail short of the head the programme remembers. Pure functions: the
storage layer keeps the chain, `verify` walks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

GENESIS = "0" * 64  # the "entry before" the first one


def _at(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    programme_id: int | None,
    seq: int | None,
    prev_hash: str | None,
    team_id: str,
    actor: str,
    at: datetime,
    action: str,
    entity: str,
    entity_id: int | None,
    before: str | None,
    after: str | None,
) -> str:
    canonical = json.dumps(
        [
            "consult-audit-v1",
            programme_id,
            seq,
            prev_hash,
            team_id,
            actor,
            _at(at),
            action,
            entity,
            entity_id,
            before,
            after,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditEntry(Protocol):
    """What the chain reads of an entry (storage's AuditEvent row has all of it).

    Outside a programme, or where the trail was damaged, the chain fields may be
    missing; the hash is still defined (they are null in its canonical JSON).
    """

    @property
    def id(self) -> int: ...
    @property
    def programme_id(self) -> int | None: ...
    @property
    def seq(self) -> int | None: ...
    @property
    def prev_hash(self) -> str | None: ...
    @property
    def hash(self) -> str | None: ...
    @property
    def team_id(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def action(self) -> str: ...
    @property
    def entity(self) -> str: ...
    @property
    def entity_id(self) -> int | None: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...


def hash_of(entry: AuditEntry) -> str:
    """The hash an entry (any object with the audit fields) should carry."""
    return entry_hash(
        programme_id=entry.programme_id,
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        team_id=entry.team_id,
        actor=entry.actor,
        at=entry.at,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        before=entry.before,
        after=entry.after,
    )


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    seq: int
    audit_id: int | None
    problem: str  # altered | removed | reordered | truncated


@dataclass(frozen=True)
class Verdict:
    entries: int
    head: str
    first_break: Break | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify(entries: Iterable[AuditEntry], head_seq: int | None, head_hash: str | None) -> Verdict:
    """Walk the trail in stored order (by seq, then id) and report the first break.

    `head_seq`/`head_hash` are what the programme remembers as the last entry.
    """
    prev_hash, expected, count = GENESIS, 1, 0
    for entry in entries:
        count += 1
        if entry.seq != expected:
            if entry.seq is not None and entry.seq > expected:
                # The entries numbered `expected` .. seq-1 are gone.
                return Verdict(count, prev_hash, Break(expected, None, "removed"))
            return Verdict(count, prev_hash, Break(expected, entry.id, "reordered"))
        if entry.hash != hash_of(entry):
            return Verdict(count, prev_hash, Break(entry.seq, entry.id, "altered"))
        if entry.prev_hash != prev_hash:
            return Verdict(count, prev_hash, Break(entry.seq, entry.id, "reordered"))
        prev_hash, expected = entry.hash, expected + 1
    last = expected - 1
    if (head_seq or 0) > last:
        return Verdict(count, prev_hash, Break(last + 1, None, "truncated"))
    if head_hash is not None and (head_seq or 0) == last and head_hash != prev_hash:
        return Verdict(count, prev_hash, Break(last, None, "altered"))
    return Verdict(count, prev_hash, None)
