"""Building the Bolt app and its Web API client from settings."""
from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot.services.container import Services
from bot.settings import Settings


class ServerErrorRetryHandler(RetryHandler):
    """Retries 5xx answers (Slack's own outages) with back-off."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


def retry_handlers() -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        ConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=5),  # waits as long as Retry-After says
        ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
    ]


def make_client(settings: Settings, token: str | None) -> WebClient:
    kwargs = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return WebClient(token=token, retry_handlers=retry_handlers(), timeout=15, **kwargs)


def make_bolt_app(services: Services) -> App:
    from handlers import register

    settings = services.settings
    app = App(
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        client=make_client(settings, settings.slack_bot_token),
        process_before_response=False,  # ack within 3 seconds, work after
        logger=logging.getLogger("consult.bolt"),
        request_verification_enabled=not settings.socket_mode,
    )
    register(app, services)
    return app
