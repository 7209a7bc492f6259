"""Verify, ack, enqueue: the web process does nothing else; workers run the listeners.

This sits at Bolt's edge, not in the listeners. The web app's last middleware
writes each verified request into the ledger under its Slack id, hands the id to
the queue and answers Slack's 200 at once. A worker reads the request back and
dispatches it through a second Bolt app with the very same listeners, in which
`ack()` has nothing left to do. A listener therefore reads the same whether it
runs on the web or in a worker.

Two kinds of request answer *in* their ack and so still run on the web:
`block_suggestion` (the options of a search menu) and `view_submission` (a
form's field errors); the form writes its data before acking, so an acked
submission is already safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest
from sqlalchemy.exc import DBAPIError

from bot.clock import now
from storage import slack_requests
from storage.uow import held_connection, one_connection

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


def defer_to_workers(services, queue):
    """The web app's last middleware."""

    def defer_to_workers(req, body, next):
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
        try:
            fresh = queue.record_and_enqueue(key, kind, team, raw, content_type)
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


def make_runner(services, worker_app, stall_seconds: float = 0):
    """What a worker does with one Slack id: run the request once, through the listeners.
    A request another worker took less than `stall_seconds` ago raises RunningElsewhere, so the
    queue tries the job again later: by then it is done, or its worker died and this run takes it."""
    engine = services.engine
    running_for = timedelta(seconds=stall_seconds)

    def run(key: str) -> None:
        # One connection for the whole job: the claim, every unit of work the listener
        # opens, and the "done" (not a checkout, and its liveness check, for each).
        with one_connection(engine) as conn:
            run_on(conn, key)

    def run_on(conn, key: str) -> None:
        pending = slack_requests.claim(conn, key, running_for)
        if pending is None:
            log.info("%s is done; nothing to run", key)
            return
        request = BoltRequest(
            body=pending.body,
            headers={"content-type": [pending.content_type]},
            context={
                "consult_received_at": pending.received_at,
                "consult_changes_committed": pending.changes_committed,
                "consult_replied": pending.replied,
                "consult_on_reply": lambda: slack_requests.mark_replied(
                    held_connection(engine) or engine, key
                ),
            },
        )
        token = slack_requests.running_request.set(key)
        try:
            response = worker_app.dispatch(request)
        finally:
            slack_requests.running_request.reset(token)
        if response.status >= 500:
            log.warning("%s ended with %s in the worker", key, response.status)
        slack_requests.mark_done(conn, key)

    return run


INTERRUPTED = (
    "Consult was interrupted just after doing what you asked, before it could answer. "
    "It is saved, and it was done once; look again to see it."
)


def never_twice(context, next):
    """A worker's first middleware after respond(): a request whose changes were committed by a run
    that died before answering is not run again; the user is told it was done."""
    if not context.get("consult_changes_committed"):
        return next()
    if context.get("consult_replied"):
        log.warning("a request was done and answered before a crash; nothing more to do")
        return BoltResponse(status=200, body="")
    log.warning("a request's changes were committed before a crash; telling the user, not redoing")
    respond = context.get("respond")
    if respond is not None:
        respond(text=INTERRUPTED, response_type="ephemeral", replace_original=False)
    elif context.channel_id and context.user_id:
        context.client.chat_postEphemeral(
            channel=context.channel_id, user=context.user_id, text=INTERRUPTED
        )
    return BoltResponse(status=200, body="")


# Slack keeps a response_url for 30 minutes (and 5 uses); past that, the reply goes by the Web API.
RESPONSE_URL_LIFETIME = timedelta(minutes=29)


def response_url_expired(context) -> bool:
    received = context.get("consult_received_at")
    return received is not None and now() - received > RESPONSE_URL_LIFETIME


def post_ephemeral_instead(client, channel_id: str | None, user_id: str | None):
    """A reply that can no longer use response_url, as chat.postEphemeral (or chat.postMessage)."""

    def send(message: dict):
        if not channel_id or not user_id:
            log.warning("a reply was lost: its response_url expired and it has no channel/user")
            return None
        if message.get("delete_original"):
            return None
        if message.get("response_type") == "in_channel":
            return client.chat_postMessage(
                channel=channel_id, text=message.get("text") or "", blocks=message.get("blocks")
            )
        return client.chat_postEphemeral(
            channel=channel_id,
            user=user_id,
            text=message.get("text") or "",
            blocks=message.get("blocks"),
        )

    return send
