"""The Web API client every process uses, and the retries it and respond() share."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler

from bot.settings import Settings


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


def make_client(settings: Settings, token: str | None) -> WebClient:
    kwargs = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
    return WebClient(token=token, retry_handlers=retry_handlers(), timeout=15, **kwargs)
