"""The way in for every Slack request: the Bolt app, and the middleware before the listeners.

One definition of the app (`make_bolt_app`) serves two roles. A click on
"Mark done", or `/consult engage`, goes:

on the web process (Role.WEB), as Slack sends it:
    Bolt's own middleware: SSL check, request verification (Slack's
    signature), authorization (the workspace's bot token), the app's own
    events ignored, URL verification; then `web_middleware` below, in order.
    `defer_to_workers` writes the request into the ledger, queues it and
    answers Slack's 200: what follows it runs in a worker.

in a worker (Role.WORKER), read back from the ledger (worker.make_runner):
    Bolt's own middleware without request verification (the web process
    checked the signature; a worker may run it minutes later); then
    `worker_middleware` below, in order; then the listener
    (handlers/pipeline/listeners.py), which runs to its end.
"""

from __future__ import annotations

import enum
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.services.container import Services
from handlers.pipeline.client import make_client
from handlers.pipeline.defer import defer_to_workers
from handlers.pipeline.first_seen import FirstSeen
from handlers.pipeline.listeners import add_listeners
from handlers.pipeline.repeated_events import drop_repeated_events
from handlers.pipeline.respond import retrying_respond
from handlers.pipeline.worker import never_twice


class Role(enum.Enum):
    WEB = "web"  # answers Slack: verifies, acks within 3 seconds, hands the work to the queue
    WORKER = "worker"  # runs a request the web process verified and acked, to its end


def web_middleware(services: Services, queue) -> list:
    """The web process's middleware, in order. With no queue (a bench, Socket Mode tests),
    nothing is deferred and the listeners run here."""
    return [
        drop_repeated_events(services),  # an event Slack delivered before: 200, nothing runs
        *([defer_to_workers(services, queue)] if queue is not None else []),
        retrying_respond,  # respond() retries, and uses chat.postEphemeral once the URL expires
        FirstSeen(services),  # whoever sends or is named is looked up in Slack's directory
    ]


def worker_middleware(services: Services) -> list:
    """A worker's middleware, in order."""
    return [
        retrying_respond,
        never_twice,  # changes committed by a run that died: tell the user, don't redo
        FirstSeen(services),
    ]


def make_bolt_app(services: Services, role: Role, queue=None) -> App:
    """The Bolt app for `role`: the web's (verify, ack, and hand the work to `queue`) or a
    worker's. Building it checks the bot token with Slack (auth.test)."""
    if role is Role.WORKER and queue is not None:
        raise ValueError("a worker takes requests from the queue; it does not defer to one")
    settings = services.settings
    many_workspaces = {}
    if settings.oauth:
        # Each workspace's own bot token comes from its installation; SLACK_BOT_TOKEN is ignored.
        from handlers.oauth import oauth_options

        client = make_client(settings, None)
        many_workspaces = oauth_options(services, client)
    else:
        client = make_client(settings, settings.slack_bot_token)
    app = App(
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        client=client,
        # On the web: ack within 3 seconds, work after. In a worker the request was acked
        # long ago, so the listener simply runs to its end on the worker's thread.
        process_before_response=role is Role.WORKER,
        # Bolt runs each listener, ack() included, on this pool (5 threads by default):
        # too few and acks queue behind slow replies. Sized to the database pool (30).
        listener_executor=ThreadPoolExecutor(max_workers=24, thread_name_prefix="consult-listener"),
        logger=logging.getLogger("consult.bolt"),
        # Socket Mode's requests come over Slack's own connection, with no signature.
        request_verification_enabled=role is Role.WEB and not settings.socket_mode,
        **many_workspaces,
    )
    middleware = (
        web_middleware(services, queue) if role is Role.WEB else worker_middleware(services)
    )
    for each in middleware:
        app.use(each)
    add_listeners(app, services)
    return app
