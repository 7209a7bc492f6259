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

from slack_bolt import BoltResponse
from sqlalchemy.exc import DBAPIError

from storage.slack_events import first_delivery

log = logging.getLogger("consult.events")


def drop_repeated_events(services):
    """A Bolt middleware over the event ledger."""
    engine = services.engine

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
