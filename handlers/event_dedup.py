"""Slack's retries of an event never run it twice.

Slack resends an Events API event (with `X-Slack-Retry-Num`) when it thinks
the first delivery was lost, and can deliver one event to two processes.
Each event id is recorded in the `slack_event` ledger before its listeners
run; the unique key decides between deliveries, and a repeat is acknowledged
and dropped. Slash commands and interactions are never retried by Slack, so
only events go through the ledger.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import BoltResponse
from sqlalchemy import delete, insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.clock import now
from storage.models.slack import SlackEvent

log = logging.getLogger("consult.events")

# Slack gives up retrying an event within about an hour; a day is plenty.
KEEP_FOR = timedelta(days=1)


def first_delivery(engine, event_id: str, team_id: str | None) -> bool:
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


def forget_old_events(engine) -> int:
    with engine.begin() as conn:
        return conn.execute(
            delete(SlackEvent).where(SlackEvent.received_at < now() - KEEP_FOR)
        ).rowcount


def drop_repeated_events(services):
    """A Bolt middleware over the event ledger."""
    engine = services.extras["engine"]

    def drop_repeated_events(body, request, next):
        if (
            not isinstance(body, dict)
            or body.get("type") != "event_callback"
            or not body.get("event_id")
        ):
            return next()
        event_id = str(body["event_id"])
        try:
            fresh = first_delivery(engine, event_id, body.get("team_id"))
        except DBAPIError as e:
            # Nothing ran: a non-200 answer makes Slack deliver the event again later.
            log.warning(
                "event %s not handled, the database is unavailable: %s", event_id, type(e).__name__
            )
            return BoltResponse(status=503, body="")
        if not fresh:
            retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("event %s already handled; repeat (retry %s) dropped", event_id, retry)
            return BoltResponse(status=200, body="")
        return next()

    return drop_repeated_events
