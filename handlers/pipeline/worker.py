"""A worker's side of a deferred request: read it back from the ledger, run it once through
the worker's Bolt app (handlers/pipeline/__init__.py), and mark it done."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from storage import slack_requests
from storage.uow import held_connection, one_connection

log = logging.getLogger("consult.deferred")


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
