"""One dispatch: the web process's Bolt app matches each request; a worker calls that listener,
once, with the request's context rebuilt from the ledger, and no Bolt app of its own."""

import threading
import time
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from sqlalchemy import select

from handlers.pipeline.dispatch import ListenerTable, listener_name, listeners_of
from handlers.pipeline.worker import make_runner
from storage import slack_requests
from storage.models import SlackRequest
from tests.harness import TEAM


@pytest.fixture
def watched(monkeypatch):
    """Every Bolt App built, and every App.dispatch, with the thread it ran on."""
    seen = {"apps": [], "dispatches": []}
    built, dispatch = App.__init__, App.dispatch

    def counted_init(self, *args, **kwargs):
        seen["apps"].append(threading.current_thread().name)
        built(self, *args, **kwargs)

    def counted_dispatch(self, req):
        seen["dispatches"].append(threading.current_thread().name)
        return dispatch(self, req)

    monkeypatch.setattr(App, "__init__", counted_init)
    monkeypatch.setattr(App, "dispatch", counted_dispatch)
    return seen


@pytest.fixture
def probed(sqlite_app):
    """Listeners for a command, a button and an event that count their runs (and their thread)."""
    runs: dict[str, list[tuple[str, str | None, str | None]]] = {
        "command": [],
        "action": [],
        "event": [],
    }
    bolt = sqlite_app.bolt

    @bolt.command("/probe")
    def probe_command(ack, respond, context, client):
        ack()
        runs["command"].append((threading.current_thread().name, context.user_id, client.token))
        respond("probed")

    @bolt.action("probe_button")
    def probe_button(ack, action, context):
        ack()
        runs["action"].append(
            (threading.current_thread().name, context.channel_id, action["value"])
        )

    @bolt.event("reaction_added")
    def probe_event(event, context, say):
        runs["event"].append((threading.current_thread().name, context.team_id, event["reaction"]))

    return runs


def _wait(condition, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.02)


def _settled(app) -> list[tuple[str, str, str | None]]:
    app.wait_until_settled(10)
    with app.services.engine.connect() as conn:
        return sorted(
            tuple(r)
            for r in conn.execute(
                select(SlackRequest.kind, SlackRequest.state, SlackRequest.listener)
            )
        )


def _probe_command(slack, n: int = 1) -> str:
    return urlencode(
        {
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": "UPROBE",
            "command": "/probe",
            "text": "",
            "response_url": slack.response_url(f"probe-{n}"),
            "trigger_id": f"trigger-probe-{n}",
        }
    )


BUTTON = {
    "type": "block_actions",
    "team": {"id": TEAM},
    "user": {"id": "UPROBE"},
    "channel": {"id": "C7"},
    "trigger_id": "trigger-button",
    "actions": [{"action_id": "probe_button", "block_id": "b", "type": "button", "value": "v1"}],
}

REACTION = {
    "type": "reaction_added",
    "user": "UPROBE",
    "reaction": "eyes",
    "item": {"type": "message", "channel": "C1", "ts": "3.3"},
}


def test_a_command_a_click_and_an_event_each_run_their_listener_once_in_a_worker(
    sqlite_app, slack, probed, watched
):
    assert sqlite_app.signed_post(_probe_command(slack), "application/x-www-form-urlencoded")
    assert sqlite_app.interact(BUTTON).status == 200
    assert sqlite_app.event(REACTION, event_id="EvProbe").status == 200
    # Slack's repeats of each: acknowledged, never run again.
    sqlite_app.signed_post(_probe_command(slack), "application/x-www-form-urlencoded")
    sqlite_app.interact(BUTTON)
    sqlite_app.event(REACTION, event_id="EvProbe", retry=1)
    _wait(lambda: all(probed.values()))
    rows = _settled(sqlite_app)
    time.sleep(0.2)  # anything run twice would have run by now

    assert [len(probed[k]) for k in ("command", "action", "event")] == [1, 1, 1]
    [(thread, user, token)] = probed["command"]
    assert thread.startswith("consult-worker") and user == "UPROBE" and token.startswith("xoxb-")
    assert probed["action"][0][1:] == ("C7", "v1")
    assert probed["event"][0][1:] == (TEAM, "eyes")
    assert all(run[0].startswith("consult-worker") for k in probed for run in probed[k])
    assert [t["text"] for t in slack.sent("response")] == ["probed"]

    # The web recorded which listener matched; the worker built no Bolt app and dispatched
    # nothing: every dispatch was the web's, on its request threads.
    assert [(kind, state) for kind, state, _ in rows] == [
        ("block_actions", "done"),
        ("command", "done"),
        ("event", "done"),
    ]
    assert [name.rsplit(".", 1)[-1] for _, _, name in rows] == [
        "probe_button",
        "probe_command",
        "probe_event",
    ]
    assert watched["apps"] == []
    assert watched["dispatches"] and not any(
        t.startswith("consult-worker") for t in watched["dispatches"]
    )


def test_a_request_queued_with_no_listener_recorded_is_matched_in_the_worker(
    sqlite_app, slack, probed, watched
):
    """A request queued before listeners were recorded (or by a version whose listener is gone)."""
    engine = sqlite_app.services.engine
    body = _probe_command(slack, 2)
    assert slack_requests.record(
        engine, "command:old", "command", TEAM, body, "application/x-www-form-urlencoded"
    )
    assert slack_requests.record(
        engine,
        "command:renamed",
        "command",
        TEAM,
        _probe_command(slack, 3),
        "application/x-www-form-urlencoded",
        listener="handlers.gone:probe",
    )
    run = make_runner(sqlite_app.services, sqlite_app.bolt)
    run("command:old")
    run("command:renamed")
    run("command:old")  # a retry of a job already done
    assert len(probed["command"]) == 2
    assert watched["apps"] == [] and watched["dispatches"] == []


def test_consult_records_its_own_listeners_and_a_worker_process_has_the_same_ones(
    sqlite_app, slack, watched
):
    sqlite_app.command("help")
    rows = _settled(sqlite_app)
    assert rows == [
        ("command", "done", "handlers.commands:add_listeners.<locals>.consult_callback")
    ]
    web = listeners_of(sqlite_app.bolt)
    table = listeners_of(ListenerTable(sqlite_app.services))
    assert [listener_name(web, each) for each in web] == [
        listener_name(table, each) for each in table
    ]
    # One function for several buttons: each its own name.
    names = [listener_name(table, each) for each in table]
    assert len(set(names)) == len(names)
    assert watched["apps"] == []
