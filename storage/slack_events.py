"""The ledger of Slack event ids already handled (handlers/pipeline/repeated_events.py uses it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError

from bot.clock import now
from storage.models.slack import SlackEvent

# Slack gives up retrying an event within about an hour; a day is plenty.
KEEP_FOR = timedelta(days=1)


def first_delivery(engine: Engine, event_id: str, team_id: str | None) -> bool:
    """Record the event id; False when it was recorded before (a repeat)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(SlackEvent).values(
                    event_id=event_id[:64], team_id=(team_id or "")[:32] or None, received_at=now()
                )
            )
        return True
    except IntegrityError:
        return False


def forget_old_events(engine: Engine) -> int:
    with engine.begin() as conn:
        return conn.execute(
            delete(SlackEvent).where(SlackEvent.received_at < now() - KEEP_FOR)
        ).rowcount
