"""`python app.py serve` on either WSGI server (waitress, the default, or gunicorn's gthread
workers) behaves the same: signatures checked, bad requests refused with a 4xx and never a
500, commands answered, SIGTERM a clean stop, and one scheduler however many web processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from ..harness import BOT_TOKEN, SIGNING_SECRET, RunningApp, http_request

ROOT = Path(__file__).resolve().parents[2]
TEAM, CHANNEL, ADMIN = "T1", "C1", "UADMIN"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`app.py serve` as its own process, with RunningApp's signed-request helpers."""

    signed_post = RunningApp.signed_post
    command = RunningApp.command
    reply = RunningApp.reply
    get = RunningApp.get

    def __init__(self, tmp_path: Path, slack, database_url: str, *serve_args: str):
        self.slack = slack
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self._n = 0
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))
        }
        self.env.update(
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PORT=str(port),
            PUBLIC_BASE_URL=self.url,
        )
        demo = subprocess.run(
            [sys.executable, "app.py", "demo", "--team", TEAM, "--channel", CHANNEL]
            + ["--user", ADMIN],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert demo.returncode == 0, demo.stderr
        self.log = tmp_path / "serve.log"
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "serve", "--host", "127.0.0.1", *serve_args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if http_request(self.url + "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("serve did not answer /healthz:\n" + self.log.read_text())

    def wait_until_settled(self, timeout: float = 5) -> None:
        """As RunningApp's: the serve process's worker marks a request done after replying."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from storage import slack_requests

        engine = create_engine(self.env["DATABASE_URL"], poolclass=NullPool)
        try:
            deadline = time.time() + timeout
            while time.time() < deadline and slack_requests.depth(engine) > 0:
                time.sleep(0.02)
        finally:
            engine.dispose()

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError(
                    "serve did not stop on SIGTERM:\n" + self.log.read_text()
                ) from None
        return self.proc.returncode


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_serve_on_either_server_checks_answers_refuses_and_stops_cleanly(tmp_path, slack, server):
    app = Served(tmp_path, slack, f"sqlite:///{tmp_path / 'consult.db'}", "--server", server)
    try:
        assert "Hillingdon" in app.reply("coverage")  # acked, queued, worked on, answered

        body = urlencode({"command": "/consult", "text": "coverage", "team_id": TEAM})
        form = "application/x-www-form-urlencoded"
        assert app.signed_post(body, form, signature="v0=" + "0" * 64).status == 401
        empty_timestamp = app.signed_post(
            body, form, extra_headers={"X-Slack-Request-Timestamp": ""}
        )
        assert empty_timestamp.status == 401  # unreadable signature headers: unsigned, not a 500
        stale = app.signed_post(body, form, timestamp=int(time.time()) - 3600)
        assert stale.status == 401
        garbled = urlencode({"payload": "{not json"})
        assert app.signed_post(garbled, form).status == 400
        assert app.signed_post(garbled, form, signature="v0=" + "0" * 64).status == 400
        assert app.signed_post("{not json", "application/json").status == 400
        assert app.get("/calendar/not-a-token.ics").status == 404
        assert app.get("/healthz").status == 200
    finally:
        status = app.stop()
    log = app.log.read_text()
    assert status == 0, log
    assert "Traceback" not in log and BOT_TOKEN not in log
    assert f"({server}, 16 threads)" in log


@pytest.mark.postgres
@pytest.mark.slow
def test_several_gunicorn_web_processes_share_one_scheduler_and_all_answer(pg_url, slack, tmp_path):
    """Each forked web process builds its own app; the leader lock lets one of them sweep."""
    app = Served(
        tmp_path, slack, pg_url, "--server", "gunicorn", "--processes", "3", "--threads", "4"
    )
    try:
        replies = [app.reply("coverage") for _ in range(12)]
        assert all("Hillingdon" in r for r in replies)
        deadline = time.time() + 30
        log = ""
        while time.time() < deadline:  # the scheduler's first tick names its leader
            log = app.log.read_text()
            if "now runs the scheduled work" in log:
                break
            time.sleep(0.5)
        time.sleep(3)  # the other processes' ticks, which must not take it too
        log = app.log.read_text()
        assert log.count("now runs the scheduled work") == 1, log
    finally:
        status = app.stop()
    assert status == 0, app.log.read_text()
    assert "Traceback" not in app.log.read_text()


@pytest.mark.parametrize(
    "server,needs", [("gunicorn", "PostgreSQL"), ("waitress", "--server gunicorn")]
)
def test_more_web_processes_than_the_setup_allows_are_refused_with_a_reason(
    tmp_path, slack, server, needs
):
    out = subprocess.run(
        [sys.executable, "app.py", "serve", "--processes", "2", "--server", server],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
            "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--processes" in out.stderr and needs in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_serve_that_cannot_reach_slack_stops_before_serving_on_either_server(tmp_path, server):
    """Slack's tokens are checked before gunicorn forks: one clear message, no crash loop."""
    out = subprocess.run(
        [sys.executable, "app.py", "serve", "--no-scheduler", "--server", server],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
            "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"http://127.0.0.1:{_free_port()}/api/",  # nothing listens there
            "PORT": str(_free_port()),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "could not be reached" in out.stderr
    assert "Traceback" not in out.stderr and "xoxb-1" not in out.stderr
