"""Building the Bolt app and its Web API client from settings."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.services.container import Services
from bot.settings import Settings

log = logging.getLogger("consult.bolt")


class ServerErrorRetryHandler(RetryHandler):
    """Retries 5xx answers (Slack's own outages) with back-off."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


class ReadTimeoutRetryHandler(RetryHandler):
    """Retries a timed-out read (users.info, conversations.history...).

    A timed-out write may have reached Slack anyway, so writes are not
    retried here: scheduled posts go through the delivery ledger, which
    looks in the channel for the post before sending it again.
    """

    READS = (
        "auth.test",
        "users.info",
        "conversations.history",
        "conversations.info",
        "conversations.open",
        "conversations.replies",
    )

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is not None or not isinstance(error, TimeoutError):
            return False
        method = request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return method in self.READS


def retry_handlers() -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=5),  # waits as long as Retry-After says
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        ReadTimeoutRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]


class RetryingRespond(Respond):
    """Bolt's respond() (replies through response_url), with the same retries as the Web API client.

    A response_url lasts 30 minutes and 5 uses. A reply past that (a job that
    waited for a worker, say) goes through `fallback` (chat.postEphemeral) instead.
    """

    fallback = None
    expired = False
    # A worker's run of a request that was answered before a crash: answering again would
    # be a second reply to one request.
    muted = False
    on_sent = None  # called once a reply reaches Slack (the worker notes it in the ledger)

    def __call__(self, text="", blocks=None, **kwargs):
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if self.muted:
            log.info(
                "a reply already went out for this request before a crash; not sending another"
            )
            return None
        message = (
            _build_message(**text)
            if isinstance(text, dict)
            else _build_message(text=text, blocks=blocks, **kwargs)
        )
        if not self.expired:
            client = WebhookClient(
                url=self.response_url,
                proxy=self.proxy,
                ssl=self.ssl,
                timeout=15,
                retry_handlers=retry_handlers(),
            )
            resp = client.send_dict(message)
            if self.fallback is None or not _url_used_up(resp):
                return self._sent(resp, ok=resp.status_code == 200)
            self.expired = True
        return self._sent(self.fallback(message), ok=True)

    def _sent(self, resp, ok: bool):
        if ok and self.on_sent is not None:
            try:
                self.on_sent()
            except Exception as e:  # the user has their answer; a rerun may at worst repeat it
                log.warning("could not note that a reply was sent (%s)", type(e).__name__)
        return resp


def _url_used_up(resp) -> bool:
    return resp.status_code in (404, 410) or any(
        word in (resp.body or "") for word in ("expired_url", "used_url")
    )


def _retrying_respond(context, next):
    from handlers.deferred import post_ephemeral_instead, response_url_expired

    if context.response_url:
        respond = RetryingRespond(response_url=context.response_url)
        respond.fallback = post_ephemeral_instead(
            context.client, context.channel_id, context.user_id
        )
        respond.expired = response_url_expired(context)
        respond.muted = bool(context.get("consult_replied"))
        respond.on_sent = context.get("consult_on_reply")
        context["respond"] = respond
    next()


def make_client(settings: Settings, token: str | None) -> WebClient:
    kwargs = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return WebClient(token=token, retry_handlers=retry_handlers(), timeout=15, **kwargs)


def make_bolt_app(services: Services, queue=None, *, worker: bool = False) -> App:
    """The web app (verify, ack, and hand the work to `queue`; with no queue, do it here),
    or with worker=True the app that workers dispatch queued requests through."""
    from handlers.deferred import defer_to_workers, never_twice
    from handlers.event_dedup import drop_repeated_events
    from handlers.listeners import add_listeners

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
        process_before_response=worker,
        # Bolt runs each listener, ack() included, on this pool (5 threads by default):
        # too few and acks queue behind slow replies. Sized to the database pool (30).
        listener_executor=ThreadPoolExecutor(max_workers=24, thread_name_prefix="consult-listener"),
        logger=logging.getLogger("consult.bolt"),
        # The web process checked the signature before queueing; a worker may run it much later.
        request_verification_enabled=not settings.socket_mode and not worker,
        **many_workspaces,
    )
    if not worker:
        app.use(drop_repeated_events(services))
        if queue is not None:
            app.use(defer_to_workers(services, queue))
    app.use(_retrying_respond)
    if worker:
        app.use(never_twice)
    add_listeners(app, services)
    return app
