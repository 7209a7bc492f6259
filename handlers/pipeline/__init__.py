"""The way in for every Slack request: the Bolt app, and the middleware before the listeners.

One Bolt app, the web process's, matches each request to its listener. A click on
"Mark done", or `/consult engage`, goes:

on the web process, as Slack sends it:
    Bolt's own middleware: SSL check, request verification (Slack's
    signature), authorization (the workspace's bot token), the app's own
    events ignored, URL verification; then `web_middleware` below, in order.
    `defer_to_workers` finds the listener that matches (as Bolt's dispatch
    would), writes the request into the ledger with that listener's name,
    queues it and answers Slack's 200: what follows it runs in a worker.

in a worker, read back from the ledger (worker.make_runner), with no Bolt app:
    the request's context rebuilt from the stored request (dispatch.WorkerContext:
    ids, the workspace's token through the same authorization, ack() a no-op);
    then these steps, in order: respond() with retries, never twice, first-seen
    people; then the listener the web process matched (matched there and then
    for a request queued before listeners were recorded), which runs to its end.
"""

from __future__ import annotations

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


def web_middleware(services: Services, queue, app: App) -> list:
    """The web process's middleware, in order. With no queue (a bench, Socket Mode tests),
    nothing is deferred and the listeners run here."""
    return [
        drop_repeated_events(services),  # an event Slack delivered before: 200, nothing runs
        *([defer_to_workers(services, queue, app)] if queue is not None else []),
        retrying_respond,  # respond() retries, and uses chat.postEphemeral once the URL expires
        FirstSeen(services),  # whoever sends or is named is looked up in Slack's directory
    ]


def make_bolt_app(services: Services, queue=None) -> App:
    """The web's Bolt app: verify, ack, and hand the work (with the listener that matched) to
    `queue`. Workers call its listeners without dispatching through it (worker.make_runner).
    Building it checks the bot token with Slack (auth.test)."""
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
        # Ack within 3 seconds, work after.
        process_before_response=False,
        # Bolt runs each listener, ack() included, on this pool (5 threads by default):
        # too few and acks queue behind slow replies. Sized to the database pool (30).
        listener_executor=ThreadPoolExecutor(max_workers=24, thread_name_prefix="consult-listener"),
        logger=logging.getLogger("consult.bolt"),
        # Socket Mode's requests come over Slack's own connection, with no signature.
        request_verification_enabled=not settings.socket_mode,
        **many_workspaces,
    )
    for each in web_middleware(services, queue, app):
        app.use(each)
    add_listeners(app, services)
    return app
