"""Verify, ack, enqueue: the web process does nothing else; workers run the listeners.

This sits at Bolt's edge, not in the listeners. The web app's `defer_to_workers`
middleware writes each verified request into the ledger under its Slack id, hands
the id to the queue and answers Slack's 200 at once, so nothing after it runs on
the web. With the request it records the listener that matched it, by name
(handlers/pipeline/dispatch.py). A worker reads the request back
(handlers/pipeline/worker.py) and calls that listener, in which `ack()` has
nothing left to do. A listener therefore reads the same whether it runs on the
web or in a worker.

Two kinds of request answer *in* their ack and so still run on the web:
`block_suggestion` (the options of a search menu) and `view_submission` (a
form's field errors); the form writes its data before acking, so an acked
submission is already safe.
"""

from __future__ import annotations

import hashlib
import json
import logging

from slack_bolt import BoltResponse
from sqlalchemy.exc import DBAPIError

from handlers.pipeline.dispatch import listener_name, listeners_of, matching

log = logging.getLogger("consult.deferred")

ANSWERED_IN_THE_ACK = {"block_suggestion", "view_submission"}


def request_key(body: dict, raw: str) -> tuple[str, str]:
    """(Slack id, kind). Events have an event id; commands and interactions a trigger id,
    which Slack means to be unique, with a digest of the payload as a second guard."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}", "event"
    kind = "command" if body.get("command") else str(body.get("type") or "request")
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"{kind}:{str(body.get('trigger_id') or '')[:60]}:{digest[:24]}", kind


def defer_to_workers(services, queue, app):
    """The web app's middleware that answers Slack at once and queues the work, with the name
    of the listener of `app` (the web's Bolt app) that matched it."""
    listeners = listeners_of(app)

    def defer_to_workers(req, resp, body, next):
        if not isinstance(body, dict) or body.get("type") in ANSWERED_IN_THE_ACK:
            return next()
        if req.mode == "socket_mode" or not req.raw_body:
            # Socket Mode hands over the payload itself; a worker reads it back as JSON.
            raw, content_type = json.dumps(body), "application/json"
        else:
            raw = req.raw_body
            content_type = (req.headers.get("content-type") or ["application/json"])[0]
        key, kind = request_key(body, raw)
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        listener = matching(listeners, req, resp)
        name = listener_name(listeners, listener) if listener is not None else None
        try:
            fresh = queue.record_and_enqueue(key, kind, team, raw, content_type, name)
        except DBAPIError as e:
            # Nowhere to write it down: run it here, as before, so the user hears why.
            log.warning(
                "could not queue %s (%s); running it in the web process", key, type(e).__name__
            )
            return next()
        if not fresh:
            log.info("%s already received; this delivery is acknowledged and dropped", key)
        return BoltResponse(status=200, body="")

    return defer_to_workers
