"""A worker's side of a deferred request: read it back from the ledger, call the listener the
web process matched (handlers/pipeline/dispatch.py), and mark it done.

The steps, in order, for each request:
    its BoltContext, rebuilt from the stored request (ids, the workspace's token, ack() a no-op);
    respond() with retries (handlers/pipeline/respond.py);
    never twice: changes committed by a run that died are not made again;
    first-seen people looked up in Slack's directory (handlers/pipeline/first_seen.py);
    the listener, run to its end.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from handlers.pipeline.dispatch import (
    WorkerContext,
    listeners_of,
    matching,
    named,
    run_listener,
)
from handlers.pipeline.first_seen import FirstSeen
from handlers.pipeline.respond import use_retrying_respond
from storage import slack_requests
from storage.uow import held_connection, one_connection

log = logging.getLogger("consult.deferred")


def make_runner(services, app, stall_seconds: float = 0):
    """What a worker does with one Slack id: run the request once, through its listener.

    `app`: where the listeners are, the web process's Bolt app (`serve`) or a ListenerTable (a
    worker process); nothing is dispatched through it. A request another worker took less than
    `stall_seconds` ago raises RunningElsewhere, so the queue tries the job again later: by then
    it is done, or its worker died and this run takes it."""
    engine = services.engine
    running_for = timedelta(seconds=stall_seconds)
    listeners = listeners_of(app)
    contexts = WorkerContext(services)
    first_seen = FirstSeen(services)

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
        token = slack_requests.running_request.set(key)
        try:
            run_request(key, pending)
        except Exception:
            # As Bolt's dispatch did: the error is logged, the request is not run again.
            log.exception("%s failed in the worker", key)
        finally:
            slack_requests.running_request.reset(token)
        slack_requests.mark_done(conn, key)

    def run_request(key: str, pending: slack_requests.Pending) -> None:
        req = contexts.request(
            pending.body,
            pending.content_type,
            {
                "consult_received_at": pending.received_at,
                "consult_changes_committed": pending.changes_committed,
                "consult_replied": pending.replied,
                "consult_on_reply": lambda: slack_requests.mark_replied(
                    held_connection(engine) or engine, key
                ),
            },
        )
        if contexts.authorize(req) is not None:
            log.warning("%s: its workspace could not be authorized; not run", key)
            return
        context = req.context
        use_retrying_respond(context)
        if answered_before(context):
            return
        first_seen.notice(context, context.client, req.body)
        listener = named(listeners, pending.listener) if pending.listener else None
        if listener is None:
            # Queued before listeners were recorded, or by a version whose listener is gone.
            listener = matching(listeners, req)
        if listener is None:
            log.warning("%s: no listener for this request", key)
            return
        run_listener(listener, req)

    return run


INTERRUPTED = (
    "Consult was interrupted just after doing what you asked, before it could answer. "
    "It is saved, and it was done once; look again to see it."
)


def answered_before(context) -> bool:
    """Never twice: a request whose changes were committed by a run that died before answering
    is not run again (True); the user is told it was done."""
    if not context.get("consult_changes_committed"):
        return False
    if context.get("consult_replied"):
        log.warning("a request was done and answered before a crash; nothing more to do")
        return True
    log.warning("a request's changes were committed before a crash; telling the user, not redoing")
    respond = context.get("respond")
    if respond is not None:
        respond(text=INTERRUPTED, response_type="ephemeral", replace_original=False)
    elif context.channel_id and context.user_id:
        context.client.chat_postEphemeral(
            channel=context.channel_id, user=context.user_id, text=INTERRUPTED
        )
    return True
