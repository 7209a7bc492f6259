"""Acked requests go through the ledger: each runs once, and a reply that can no longer use its
response_url (30 minutes, 5 uses) reaches the user through chat.postEphemeral instead."""

import json
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, func, select, update

from bot.clock import now
from handlers.pipeline.worker import make_runner
from storage import slack_requests
from storage.models import Engagement, SlackRequest


def _ledger(app) -> list[tuple[str, str, int]]:
    with app.services.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(SlackRequest.kind, SlackRequest.state, SlackRequest.attempts)
            )
        ]


def _settled(app) -> list[tuple[str, str, int]]:
    """The ledger once the worker has marked everything done (it replies first)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        rows = _ledger(app)
        if rows and all(state == "done" for _, state, _ in rows):
            break
        time.sleep(0.02)
    return _ledger(app)


def _command_body(slack, text: str, name: str) -> str:
    """`/consult <text>` as Slack posts it, replying to the stand-in's response_url `name`."""
    return urlencode(
        {
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "UADMIN",
            "command": "/consult",
            "text": text,
            "response_url": slack.response_url(name),
            "trigger_id": f"trigger-{name}",
        }
    )


def _queued(engine, key: str, body: str) -> bool:
    """The request acked and written into the ledger, with no worker having run it yet."""
    return slack_requests.record(
        engine, key, "command", "T1", body, "application/x-www-form-urlencoded"
    )


def test_a_command_is_acked_empty_then_answered_once_by_the_worker(sqlite_app, slack):
    resp = sqlite_app.command("help")
    assert resp.status == 200 and resp.body == b""
    assert len(slack.sent("response")) == 1
    assert _settled(sqlite_app) == [("command", "done", 1)]


def test_the_same_delivery_twice_runs_once(sqlite_app, slack):
    body = _command_body(slack, "help", "twice")
    for _ in range(2):
        assert sqlite_app.signed_post(body, "application/x-www-form-urlencoded").status == 200
    slack.wait_for("response", 1)
    assert _settled(sqlite_app) == [("command", "done", 1)]
    # A job for a request already done (a retry of the job itself) does nothing.
    with sqlite_app.services.engine.connect() as conn:
        done_key = conn.scalar(select(SlackRequest.key))
    make_runner(sqlite_app.services, sqlite_app.bolt)(done_key)
    assert len(slack.sent("response")) == 1


def test_a_used_up_response_url_falls_back_to_post_ephemeral(sqlite_app, slack):
    slack.fail("response", 1, status=404)  # Slack's answer to an expired or used-up URL
    sqlite_app.command("help", wait=False)
    posted = slack.wait_for("chat.postEphemeral", 1)
    assert posted[0]["channel"] == "C1" and posted[0]["user"] == "UADMIN"
    assert "/consult" in posted[0]["text"]
    assert slack.sent("response") == []
    assert _settled(sqlite_app) == [("command", "done", 1)]


def test_a_request_older_than_its_response_url_is_answered_with_post_ephemeral(sqlite_app, slack):
    engine = sqlite_app.services.engine
    body = _command_body(slack, "help", "late")
    # Acked 31 minutes ago while no worker ran: its response_url has expired by now.
    assert _queued(engine, "command:late", body)
    with engine.begin() as conn:
        conn.execute(update(SlackRequest).values(received_at=now() - timedelta(minutes=31)))
    make_runner(sqlite_app.services, sqlite_app.bolt)("command:late")
    posted = slack.sent("chat.postEphemeral")
    assert len(posted) == 1 and "/consult" in posted[0]["text"]
    assert slack.sent("response") == []
    assert _ledger(sqlite_app) == [("command", "done", 1)]


def test_a_job_checks_out_one_connection_for_its_whole_run(sqlite_app, slack):
    """The claim, each unit of work of the listener and the "done" share one connection."""
    sqlite_app.command('setup "Hillingdon co-commissioning"')
    sqlite_app.command('stakeholder add practice "Acorn Surgery" --code E85001')
    sqlite_app.wait_until_known("UADMIN")
    engine = sqlite_app.services.engine
    body = _command_body(
        slack, 'engage E85001 meeting "Practice visit" --position support', "one-connection"
    )
    assert _queued(engine, "command:one", body)
    here = threading.current_thread()
    checkouts = []

    def counted(*_):
        if threading.current_thread() is here:
            checkouts.append(1)

    event.listen(engine, "checkout", counted)
    try:
        make_runner(sqlite_app.services, sqlite_app.bolt)("command:one")
    finally:
        event.remove(engine, "checkout", counted)
    [reply] = slack.sent("response")[-1:]
    assert "Acorn Surgery" in json.dumps(reply)
    with sqlite_app.services.new_uow() as uow:
        assert uow.engagements.latest_positions(1) == {1: "support"}
    assert ("command", "done", 1) in _ledger(sqlite_app)
    assert len(checkouts) == 1


def test_a_job_handed_on_from_a_worker_that_just_died_is_tried_again_not_dropped(sqlite_app, slack):
    """The queue may notice a dead worker (its heartbeat) before that worker's claim on the request
    is `stall_seconds` old. The handed-on job must not end quietly: it fails, so the queue tries
    it again, and once the claim is stale the request is answered, once."""
    engine = sqlite_app.services.engine
    body = _command_body(slack, "help", "handed-on")
    assert _queued(engine, "command:handed-on", body)
    assert slack_requests.claim(engine, "command:handed-on") is not None  # then its worker died
    run = make_runner(sqlite_app.services, sqlite_app.bolt, stall_seconds=30)
    with pytest.raises(slack_requests.RunningElsewhere):
        run("command:handed-on")
    assert slack.sent("response") == []
    with engine.begin() as conn:  # the queue's next try, after the claim went stale
        conn.execute(update(SlackRequest).values(started_at=now() - timedelta(seconds=31)))
    run("command:handed-on")
    assert len(slack.sent("response")) == 1
    assert _ledger(sqlite_app) == [("command", "done", 2)]


@pytest.mark.parametrize(
    "text, engagements",
    [("help", 0), ('engage E85001 meeting "Practice visit" --position support', 1)],
)
def test_a_run_after_a_crash_past_the_reply_does_not_answer_again(
    sqlite_app, slack, monkeypatch, text, engagements
):
    """A worker dies after the reply reached Slack and before the request was marked done:
    the queue's next run finishes it without a second reply (and without redoing changes)."""
    sqlite_app.command('setup "Hillingdon co-commissioning"')
    sqlite_app.command('stakeholder add practice "Acorn Surgery" --code E85001')
    engine = sqlite_app.services.engine
    body = _command_body(slack, text, "crash")
    assert _queued(engine, "command:crash", body)
    replies = len(slack.sent("response"))
    run = make_runner(sqlite_app.services, sqlite_app.bolt)

    def killed(*_):
        raise RuntimeError("the worker was killed here")

    monkeypatch.setattr(slack_requests, "mark_done", killed)
    with pytest.raises(RuntimeError):
        run("command:crash")
    monkeypatch.undo()
    assert len(slack.sent("response")) == replies + 1

    run("command:crash")  # the queue hands the job on
    assert len(slack.sent("response")) == replies + 1
    with engine.connect() as conn:
        state, attempts = conn.execute(
            select(SlackRequest.state, SlackRequest.attempts).where(
                SlackRequest.key == "command:crash"
            )
        ).one()
    assert (state, attempts) == ("done", 2)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Engagement)) == engagements
