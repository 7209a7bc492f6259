"""`python app.py serve` over Socket Mode, against a WebSocket stand-in for Slack's on the loopback.

As the README's walk-through: SLACK_APP_TOKEN and SLACK_BOT_TOKEN set, no signing
secret, no public address. The app asks `apps.connections.open` (on SLACK_API_URL)
for its WebSocket address, and everything Slack sends comes over that socket.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import bootstrap
from bot.settings import Settings
from storage.models import Engagement

from ..socket_stub import SocketModeStub

ROOT = Path(__file__).resolve().parents[2]
TEAM, CHANNEL, ADMIN = "T1", "C1", "UADMIN"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def socket_slack(slack):
    stub = SocketModeStub()
    slack.socket_url = stub.new_url
    yield stub
    stub.close()


@pytest.fixture
def served(tmp_path, slack, socket_slack):
    """The demo programme, then `serve` in Socket Mode as its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'consult.db'}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-1-test",
        SLACK_API_URL=slack.api_url,
        PORT=str(_free_port()),
    )
    demo = subprocess.run(
        [sys.executable, "app.py", "demo", "--team", TEAM, "--channel", CHANNEL, "--user", ADMIN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "app.py", "serve", "--no-scheduler", "--host", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        socket_slack.wait_connections(1, timeout=60)
        yield env, log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _command(slack, socket_slack, text: str, name: str, envelope_id: str | None = None, **extra):
    return socket_slack.send(
        "slash_commands",
        {
            "token": "unused",
            "team_id": TEAM,
            "team_domain": "test",
            "channel_id": CHANNEL,
            "channel_name": "consult",
            "user_id": ADMIN,
            "user_name": "admin",
            "command": "/consult",
            "text": text,
            "api_app_id": "A1",
            "response_url": slack.response_url(name),
            "trigger_id": f"trigger-{name}",
        },
        envelope_id=envelope_id,
        accepts_response_payload=True,
        **extra,
    )


def _responses(slack, name: str) -> list[dict]:
    return [c.body for c in list(slack.calls) if c.method == "response" and c.path.endswith(name)]


def _wait(check, what: str, timeout: float = 20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _interactive(socket_slack, payload: dict) -> str:
    payload = {"team": {"id": TEAM}, "user": {"id": ADMIN}, "api_app_id": "A1", **payload}
    return socket_slack.send("interactive", payload, accepts_response_payload=True)


def _form_values(picked, day: str, summary: str) -> dict:
    def select(value):
        return {"type": "static_select", "selected_option": {"value": value} if value else None}

    def text(value):
        return {"type": "plain_text_input", "value": value}

    return {
        "stakeholders": {
            "stakeholders": {
                "type": "multi_external_select",
                "selected_options": [{"value": v} for v in picked],
            }
        },
        "kind": {"kind": select("meeting")},
        "date": {"date": {"type": "datepicker", "selected_date": day}},
        "position": {"position": select("support")},
        "summary": {"summary": text(summary)},
        "action_title": {"action_title": text(None)},
        "action_owner": {"action_owner": {"type": "users_select", "selected_user": None}},
        "action_due": {"action_due": {"type": "datepicker", "selected_date": None}},
    }


def test_socket_mode_serves_commands_clicks_forms_shortcut_home_and_survives_refresh_and_drop(
    served, slack, socket_slack
):
    env, log = served

    # A command: acked with its envelope id, answered through its response_url.
    first = _command(slack, socket_slack, "deadlines", "cmd1")
    assert socket_slack.wait_ack(first).message == {"envelope_id": first}
    [reply] = _wait(lambda: _responses(slack, "cmd1"), "the deadlines reply")
    assert "Demo CCG co-commissioning" in reply["text"] and "Coming up" in reply["text"]

    # App Home: the event is acked, the Home tab published.
    home = socket_slack.send(
        "events_api",
        {
            "type": "event_callback",
            "team_id": TEAM,
            "api_app_id": "A1",
            "event_id": "EvHome1",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home"},
        },
        retry_attempt=0,
        retry_reason="",
    )
    assert socket_slack.wait_ack(home).message["envelope_id"] == home
    published = slack.wait_for("views.publish")[-1]
    assert published["user_id"] == ADMIN and published["view"]["type"] == "home"
    button = next(
        e
        for b in published["view"]["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "home_log_engagement"
    )

    # A click on the Home tab's button opens the form.
    click = _interactive(
        socket_slack,
        {
            "type": "block_actions",
            "trigger_id": "t-click",
            "view": {"id": "VHOME", "type": "home"},
            "actions": [{"action_id": button["action_id"], "type": "button", "value": "1"}],
        },
    )
    socket_slack.wait_ack(click)
    form = slack.wait_for("views.open")[-1]["view"]
    assert form["callback_id"] == "engagement_form"

    # The message shortcut prefills the form with the message.
    shortcut = _interactive(
        socket_slack,
        {
            "type": "message_action",
            "callback_id": "log_engagement",
            "trigger_id": "t-shortcut",
            "channel": {"id": CHANNEL},
            "message": {"type": "message", "text": "LMC supports delegation", "ts": "1.000200"},
            "message_ts": "1.000200",
            "response_url": slack.response_url("shortcut"),
        },
    )
    socket_slack.wait_ack(shortcut)
    form = slack.wait_for("views.open", 2)[-1]["view"]
    summary = next(b for b in form["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "LMC supports delegation"
    metadata = form["private_metadata"]

    # The picker's options come back in the ack's payload.
    options = _interactive(
        socket_slack,
        {
            "type": "block_suggestion",
            "action_id": "stakeholders",
            "block_id": "stakeholders",
            "value": "LMC01",
            "view": {"id": "V1", "private_metadata": metadata},
        },
    )
    [lmc] = socket_slack.wait_ack(options).message["payload"]["options"]
    assert "Londonwide LMCs" in lmc["text"]["text"]

    def submit(day: str) -> str:
        view = {
            "id": "V1",
            "type": "modal",
            "callback_id": "engagement_form",
            "private_metadata": metadata,
            "state": {"values": _form_values([lmc["value"]], day, "LMC supports delegation")},
        }
        return _interactive(
            socket_slack, {"type": "view_submission", "trigger_id": "t", "view": view}
        )

    # A field error travels back in the ack, and nothing is recorded.
    bad = submit("2999-01-01")
    ack = socket_slack.wait_ack(bad).message
    assert ack["payload"]["response_action"] == "errors" and "date" in ack["payload"]["errors"]
    good = submit(time.strftime("%Y-%m-%d"))
    assert "payload" not in socket_slack.wait_ack(good).message
    services = bootstrap(Settings(database_url=env["DATABASE_URL"]), migrate=False)
    try:
        with services.new_uow() as uow:
            [logged] = list(uow.session.query(Engagement).filter_by(source="shortcut"))
            assert logged.summary == "LMC supports delegation"

        # Slack's refresh: `disconnect`, then a new connection; the app closes the old one.
        socket_slack.refresh()
        after = _command(slack, socket_slack, "deadlines", "cmd2")
        assert socket_slack.wait_ack(after).connection == 2
        _wait(lambda: socket_slack.closed(1), "the app to close the old connection")
        _wait(lambda: _responses(slack, "cmd2"), "the reply after the refresh")

        # A command sent as the socket drops: Slack sends it again on the next connection
        # (it saw no ack), and it is answered exactly once.
        around = _command(slack, socket_slack, "deadlines", "cmd3")
        socket_slack.drop()
        socket_slack.wait_connections(3)
        _command(slack, socket_slack, "deadlines", "cmd3", envelope_id=around, retry_attempt=1)
        assert any(r.connection == 3 for r in _wait(lambda: socket_slack.acks(around), "acks"))
        _wait(lambda: _responses(slack, "cmd3"), "the reply to the command around the drop")
        barrier = _command(slack, socket_slack, "deadlines", "cmd4")
        socket_slack.wait_ack(barrier)
        _wait(lambda: _responses(slack, "cmd4"), "a later reply")
        assert len(_responses(slack, "cmd3")) == 1
        assert len(slack.sent("apps.connections.open")) == 3
    finally:
        services.engine.dispose()
    assert "Traceback" not in log.read_text()


@pytest.mark.slow
def test_the_refresh_benchmark_runs_both_handlers():
    """`make bench`'s Socket Mode part keeps working (its times are reported there, not here)."""
    from tests.bench import socket_refresh

    said = []
    results = socket_refresh.run(refreshes=1, steady=2, say=said.append)
    assert set(results) == {"stock", "consult"}
    for times in results.values():
        assert len(times["steady"]) == 2 and len(times["refresh"]) == 1
    assert any("across a refresh" in line for line in said)
