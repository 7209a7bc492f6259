"""Exactly-once sending through the delivery ledger.

Claim the key (the database's unique constraint decides between two
processes), send, then record it as sent. A failed send releases the key
for the next sweep; a claim left behind by a crash is settled by asking
the messenger whether the message (which carries the key in its metadata)
already reached Slack, and only re-sent if it did not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from .. import clock
from ..messenger import Block, Messenger
from ..ports import UnitOfWork

log = logging.getLogger("consult.deliveries")

METADATA_EVENT = "consult_delivery"
STALE_AFTER = timedelta(minutes=5)


class Whose(Protocol):
    """Whose message it is: a programme, or a workspace for a personal digest (no id)."""

    @property
    def id(self) -> int | None: ...

    @property
    def team_id(self) -> str: ...

    @property
    def timezone(self) -> str: ...


About = TypeVar("About")


@dataclass
class DueMessage(Generic[About]):
    """One scheduled message that should have been sent by now, as a service finds it."""

    key: str  # its delivery ledger key
    programme: Whose  # whose (its id, team and timezone)
    recipient: str  # a channel id, or a user id for a DM
    is_dm: bool
    kind: str  # the ledger's kind: "reminder", "duty-reminder", "vote-reminder"...
    late: bool  # it should have gone while Consult was not running
    about: About  # what the message is about, for whoever renders it


def metadata_for(key: str) -> Block:
    """Slack message metadata that lets a restart find what it already posted."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def lookup(messenger: Messenger, recipient: str, key: str) -> Callable[[], str | None] | None:
    """`already_sent` for deliver_once: asks the messenger (when it can search Slack)
    whether the message carrying `key` is already in `recipient`'s conversation."""
    finder = getattr(messenger, "find_delivery", None)
    return (lambda: finder(recipient, key)) if finder else None


def deliver_once(
    uow: UnitOfWork,
    key: str,
    *,
    programme_id: int | None,
    kind: str,
    recipient: str,
    send: Callable[[], str | None],
    late: bool = False,
    already_sent: Callable[[], str | None | bool] | None = None,
) -> bool:
    """Send at most once per key, and (across sweeps) at least once. True if this call sent it.

    `send` posts and returns the message ts. `already_sent`, if given, looks
    for the key in Slack (message metadata) and returns a ts (or True) when found.
    """
    now = clock.now()
    with uow:
        mine = uow.deliveries.claim(
            key, programme_id=programme_id, kind=kind, recipient=recipient, late=late, now=now
        )
        if not mine:
            row = uow.deliveries.get(key)
            if row is None or row.state != "claimed" or now - row.claimed_at < STALE_AFTER:
                return False
            # A claim older than any send could take: its sender died between claiming and recording.
            found = already_sent() if already_sent else None
            if found:
                uow.deliveries.mark_sent(key, found if isinstance(found, str) else None, now)
                uow.commit()
                log.info("delivery %s was already in Slack; recorded it", key)
                return False
            if already_sent is None:
                log.warning(
                    "delivery %s was claimed by a process that stopped; not re-sending without a way "
                    "to check Slack",
                    key,
                )
                return False
            mine = uow.deliveries.take_over_stale(key, row.claimed_at, now)
            if not mine:
                return False
        uow.commit()
    try:
        ts = send()
    except Exception as e:
        log.warning(
            "delivery %s failed (%s); it will be retried at the next sweep", key, type(e).__name__
        )
        with uow:
            uow.deliveries.mark_failed(key, f"{type(e).__name__}: {e}")
            uow.commit()
        return False
    with uow:
        uow.deliveries.mark_sent(key, ts, clock.now())
        uow.commit()
    return True


def send_once(
    uow: UnitOfWork,
    messenger: Messenger,
    due: DueMessage[About],
    render: Callable[[], tuple[str, list[Block] | None] | None],
    *,
    unsure_means_unsent: bool = False,
) -> bool:
    """Post (or DM) one due message exactly once through the delivery ledger. True if this call sent it.

    `render` builds the message when it is sent, from a fresh read if it
    needs one: None means there is nothing to send any more (settled, not
    sent). With `unsure_means_unsent`, a claim left by a crashed process is
    re-sent when the messenger cannot search Slack (the local shell).
    """

    def send() -> str | None:
        message = render()
        if message is None:
            return None
        text, blocks = message
        if due.is_dm:
            return messenger.dm(due.recipient, text, blocks, metadata=metadata_for(due.key))
        return messenger.post(due.recipient, text, blocks, metadata=metadata_for(due.key))

    already_sent = lookup(messenger, due.recipient, due.key)
    if already_sent is None and unsure_means_unsent:
        already_sent = lambda: None  # noqa: E731
    return deliver_once(
        uow,
        due.key,
        programme_id=due.programme.id,
        kind=due.kind,
        recipient=due.recipient,
        send=send,
        late=due.late,
        already_sent=already_sent,
    )
