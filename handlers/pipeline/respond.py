"""respond(): a listener's reply through the request's response_url, with retries, and by
the Web API once the response_url has expired (a request that waited long for a worker)."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.webhook import WebhookClient

from bot.clock import now
from handlers.pipeline.client import retry_handlers

log = logging.getLogger("consult.bolt")


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


def use_retrying_respond(context) -> None:
    """respond() in the request's listener is a RetryingRespond (with a response_url to use)."""
    if context.response_url:
        respond = RetryingRespond(response_url=context.response_url)
        respond.fallback = post_ephemeral_instead(
            context.client, context.channel_id, context.user_id
        )
        respond.expired = response_url_expired(context)
        respond.muted = bool(context.get("consult_replied"))
        respond.on_sent = context.get("consult_on_reply")
        context["respond"] = respond


def retrying_respond(context, next):
    """A middleware: respond() in every listener is a RetryingRespond."""
    use_retrying_respond(context)
    next()


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
