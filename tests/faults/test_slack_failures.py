"""Slack answering 429, 500 or not at all: retried with back-off, Retry-After honoured, nothing doubled."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from handlers.pipeline.client import make_client, retry_handlers
from handlers.slack_messenger import SlackMessenger


def _client(slack) -> WebClient:
    return make_client(Settings(slack_api_url=slack.api_url), "xoxb-test")


def _attempt_times(slack, method: str) -> list[float]:
    return [c.at for c in slack.calls if c.method in (method, method + ":failed")]


def test_rate_limited_posts_wait_as_long_as_retry_after_says_then_post_once(slack):
    slack.fail("chat.postMessage", 1, 429, {"Retry-After": "1"})
    ts = SlackMessenger(_client(slack)).post("C1", "Reminder: LMC meeting tomorrow")
    assert ts is not None
    assert [c.method for c in slack.calls] == ["chat.postMessage:failed", "chat.postMessage"]
    first, second = _attempt_times(slack, "chat.postMessage")
    assert second - first >= 1.0  # Retry-After: 1 second


def test_server_errors_are_retried_with_growing_waits(slack):
    slack.fail("chat.postMessage", 2, 500)
    SlackMessenger(_client(slack)).post("C1", "Weekly digest")
    times = _attempt_times(slack, "chat.postMessage")
    assert len(times) == 3 and len(slack.sent("chat.postMessage")) == 1
    # Exponential back-off (0.5 s, then 1 s, each plus random jitter), not a hammering loop.
    assert times[1] - times[0] >= 0.5 and times[2] - times[1] >= 1.0


@pytest.mark.slow
def test_a_long_outage_gives_up_with_an_error_for_the_delivery_ledger_to_retry(slack):
    slack.fail("chat.postMessage", 10, 503)
    with pytest.raises(SlackApiError):
        SlackMessenger(_client(slack)).post("C1", "Vote result")
    assert len(_attempt_times(slack, "chat.postMessage")) == 4  # the first try and three retries
    assert slack.sent("chat.postMessage") == []


class SlowSlack:
    """Answers each method only after `delay` seconds for its first `slow` calls."""

    def __init__(self, slow: int, delay: float):
        self.calls: list[str] = []
        remaining = {"n": slow}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                owner.calls.append(method)
                if remaining["n"] > 0:
                    remaining["n"] -= 1
                    time.sleep(delay)
                body = b'{"ok": true, "user": {"id": "U1", "is_admin": true}, "ts": "1.2", "channel": "C1"}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_timed_out_read_is_retried():
    slow = SlowSlack(slow=1, delay=1.0)
    try:
        client = WebClient(
            token="xoxb-test", base_url=slow.url, timeout=0.3, retry_handlers=retry_handlers()
        )
        assert client.users_info(user="U1")["user"]["is_admin"] is True
        assert slow.calls == ["users.info", "users.info"]
    finally:
        slow.close()


def test_a_timed_out_post_is_not_blindly_resent():
    # Slack may have posted it: the delivery ledger looks in the channel before trying again.
    slow = SlowSlack(slow=1, delay=1.0)
    try:
        client = WebClient(
            token="xoxb-test", base_url=slow.url, timeout=0.3, retry_handlers=retry_handlers()
        )
        with pytest.raises(TimeoutError):
            client.chat_postMessage(channel="C1", text="Reminder")
        assert slow.calls == ["chat.postMessage"]
    finally:
        slow.close()


def test_a_rate_limited_reply_to_a_command_still_arrives_once(sqlite_app, slack):
    slack.fail("response", 1, 429, {"Retry-After": "1"})
    sqlite_app.command("help")
    assert [c.method for c in slack.calls if c.method.startswith("response")] == [
        "response:failed",
        "response",
    ]


def test_a_channel_post_after_a_slack_500_is_made_once(sqlite_app, slack):
    slack.fail("chat.postMessage", 1, 500)
    assert "is set up here" in sqlite_app.reply('setup "Hillingdon co-commissioning"')
    slack.wait_for("chat.postMessage", 1)
    time.sleep(0.2)
    assert len(slack.sent("chat.postMessage")) == 1
