"""The running app for end-to-end tests: real HTTP, real signatures, a stand-in Slack.

`RunningApp` serves the same WSGI app as `python app.py serve` (waitress,
Bolt, the routes) on a free loopback port; requests are signed exactly as
Slack signs them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.settings import Settings

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
# Encrypts installation tokens at rest in the tests that install into many workspaces.
SECRET_KEY = "J2ByVsyr66MtmwXe6MFCmIMOsUOVV-BiFSMgk7mwquM="
TEAM = "T1"


def build_services(settings: Settings, migrate: bool = True):
    from app import bootstrap

    return bootstrap(settings, migrate=migrate)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def http_request(
    url: str,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict | None = None,
    timeout: float = 15,
) -> Response:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as e:
        return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


class RunningApp:
    def __init__(
        self,
        database_url: str,
        slack,
        start_scheduler: bool = False,
        worker: bool = True,
        **settings_overrides,
    ):
        import waitress.server
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        from app import make_queue, start_worker, with_slack
        from handlers.pipeline import make_bolt_app
        from handlers.web import make_wsgi_app

        self.slack = slack
        self.settings = Settings(
            database_url=database_url,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            **settings_overrides,
        )
        self.services = with_slack(build_services(self.settings))
        # As `serve` does: the web app acks and queues; a worker in this process does the work
        # (worker=False: as `serve --no-worker`, for a `python app.py worker` beside it).
        self.queue = make_queue(self.services, concurrency=4)
        self.web_bolt = make_bolt_app(self.services, self.queue)
        # `bolt`: the one Bolt app, whose listeners the worker calls (a listener added to it
        # later runs in the worker too).
        self.bolt = self.web_bolt
        if worker:
            start_worker(self.services, self.queue, self.web_bolt)
        wsgi = make_wsgi_app(self.services, SlackRequestHandler(self.web_bolt))
        self.server = waitress.server.create_server(wsgi, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self._n = 0

    def close(self) -> None:
        # Close every socket from inside the server's own loop (closing them from
        # here races its select()); with nothing left to watch, the loop ends.
        def close_all():
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(close_all)
        self._thread.join(10)
        self.server.task_dispatcher.shutdown()
        self.queue.stop()
        self.services.engine.dispose()

    def wait_until_known(self, *users: str, team: str = TEAM, timeout: float = 10) -> None:
        """Wait for the directory lookups that a user's first request starts in the background
        (a new name changes what feeds may show, so their cheap 304 path recomputes once)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.services.new_uow() as uow:
                if all(uow.people.known(team, u) for u in users):
                    return
            time.sleep(0.02)
        raise AssertionError(f"{users} not in the directory after {timeout} s")

    # -- signed requests, as Slack sends them ---------------------------------
    def signed_post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict | None = None,
    ) -> Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
        }
        headers.update(extra_headers or {})
        return http_request(self.url + "/slack/events", "POST", body.encode(), headers)

    def command(
        self,
        text: str,
        user: str = "UADMIN",
        channel: str = "C1",
        team: str = TEAM,
        wait: bool = True,
    ) -> Response:
        """Send `/consult <text>`; with wait, return after its reply reached response_url."""
        self._n += 1
        name = f"r{self._n}"
        before = len(self.slack.sent("response"))
        body = urlencode(
            {
                "token": "unused",
                "team_id": team,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "consult",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/consult",
                "text": text,
                "api_app_id": "A1",
                "response_url": self.slack.response_url(name),
                "trigger_id": f"trigger-{self._n}",
            }
        )
        resp = self.signed_post(body, "application/x-www-form-urlencoded")
        if wait and resp.status == 200:
            self.slack.wait_for("response", before + 1)
            self.wait_until_settled()
        return resp

    def wait_until_settled(self, timeout: float = 5) -> None:
        """The worker replies before it marks the request done: let it finish its bookkeeping,
        so that a test's next step (a database outage, say) does not cut it short."""
        from storage import slack_requests

        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if slack_requests.depth(self.services.engine) == 0:
                    return
            except Exception:  # the test may already have taken the database away
                return
            time.sleep(0.01)

    def reply(self, text: str, **kwargs) -> str:
        """The ephemeral reply's text for a command."""
        self.command(text, **kwargs)
        return self.slack.sent("response")[-1]["text"]

    def interact(self, payload: dict) -> Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.signed_post(body, "application/x-www-form-urlencoded")

    def event(
        self, event: dict, team: str = TEAM, event_id: str = "Ev1", retry: int | None = None
    ) -> Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": team,
                "api_app_id": "A1",
                "event": event,
                "event_id": event_id,
                "event_time": int(time.time()),
            }
        )
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return self.signed_post(body, "application/json", extra_headers=headers)

    def get(self, path: str, headers: dict | None = None, method: str = "GET") -> Response:
        return http_request(self.url + path, method, headers=headers)
