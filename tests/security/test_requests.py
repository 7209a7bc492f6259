"""Every Slack request is signed and fresh; Slack's retries of an event never run it twice."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.models.slack import SlackEvent

from ..harness import RunningApp


def _command_body(app: RunningApp, text: str = "help") -> str:
    return urlencode(
        {
            "token": "unused",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "UADMIN",
            "command": "/consult",
            "text": text,
            "api_app_id": "A1",
            "response_url": app.slack.response_url("r1"),
            "trigger_id": "t1",
        }
    )


def test_a_valid_request_inside_the_window_is_answered(sqlite_app, slack):
    # Four minutes old (a slow network) is still inside Slack's five-minute window.
    resp = sqlite_app.signed_post(
        _command_body(sqlite_app),
        "application/x-www-form-urlencoded",
        timestamp=int(time.time()) - 4 * 60,
    )
    assert resp.status == 200
    slack.wait_for("response", 1)


def test_a_captured_request_replayed_later_is_refused(sqlite_app, slack):
    body = _command_body(sqlite_app, 'setup "Replayed"')
    captured_at = int(time.time()) - 5 * 60 - 1
    signature = sqlite_app.verifier.generate_signature(timestamp=str(captured_at), body=body)
    # The genuine signature of that body at that time, sent again now: refused.
    assert (
        sqlite_app.signed_post(
            body, "application/x-www-form-urlencoded", timestamp=captured_at, signature=signature
        ).status
        == 401
    )
    # Re-stamping it with a fresh time breaks the signature.
    assert (
        sqlite_app.signed_post(
            body, "application/x-www-form-urlencoded", signature=signature
        ).status
        == 401
    )
    assert slack.sent("response") == [] and slack.sent("chat.postMessage") == []


def test_requests_from_the_future_tampered_or_unsigned_are_refused(sqlite_app, slack):
    body = _command_body(sqlite_app, 'setup "Forged"')
    ct = "application/x-www-form-urlencoded"
    assert sqlite_app.signed_post(body, ct, timestamp=int(time.time()) + 6 * 60).status == 401
    ts = str(int(time.time()))
    good = sqlite_app.verifier.generate_signature(timestamp=ts, body=body)
    assert (
        sqlite_app.signed_post(
            body.replace("Forged", "Forgex"), ct, timestamp=int(ts), signature=good
        ).status
        == 401
    )
    assert sqlite_app.signed_post(body, ct, signature="v0=" + "0" * 64).status == 401
    from ..harness import http_request

    unsigned = http_request(
        sqlite_app.url + "/slack/events", "POST", body.encode(), {"Content-Type": ct}
    )
    assert unsigned.status == 401
    # A refusal says nothing about why (no hint for a forger) and reveals no secret.
    assert b"secret" not in unsigned.body.lower()
    with sqlite_app.services.new_uow() as uow:
        assert uow.programmes.all() == []


def _recording_listener(app: RunningApp, event_type: str) -> list[str]:
    seen: list[str] = []
    lock = threading.Lock()

    @app.bolt.event(event_type)
    def record(body, ack):
        ack()
        with lock:
            seen.append(body["event_id"])

    return seen


def _wait(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_slack_retries_of_an_event_run_it_once(running_app):
    seen = _recording_listener(running_app, "reaction_added")
    event = {
        "type": "reaction_added",
        "user": "U1",
        "reaction": "thumbsup",
        "item": {"type": "message", "channel": "C1", "ts": "1.1"},
    }
    assert running_app.event(event, event_id="EvRetry1").status == 200
    for retry in (1, 2, 3):
        assert running_app.event(event, event_id="EvRetry1", retry=retry).status == 200
    assert running_app.event(event, event_id="EvOther").status == 200
    assert _wait(lambda: sorted(seen) == ["EvOther", "EvRetry1"])
    time.sleep(0.2)  # a late duplicate listener run would land by now
    assert sorted(seen) == ["EvOther", "EvRetry1"]


def test_one_event_delivered_to_two_processes_at_once_runs_once(db_url, slack):
    apps = [RunningApp(db_url, slack), RunningApp(db_url, slack)]
    try:
        seen = [_recording_listener(a, "reaction_added") for a in apps]
        event = {
            "type": "reaction_added",
            "user": "U1",
            "reaction": "eyes",
            "item": {"type": "message", "channel": "C1", "ts": "2.2"},
        }
        threads = [
            threading.Thread(
                target=a.event, args=(event,), kwargs={"event_id": "EvTwice", "retry": n}
            )
            for n, a in enumerate(apps * 3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert _wait(lambda: len(seen[0]) + len(seen[1]) >= 1)
        time.sleep(0.2)
        assert len(seen[0]) + len(seen[1]) == 1
        with apps[0].services.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(SlackEvent)) == 1
    finally:
        for a in apps:
            a.close()


def test_old_events_are_forgotten_by_the_sweep(services):
    from datetime import datetime

    from freezegun import freeze_time

    from jobs import SWEEPS
    from storage.slack_events import first_delivery

    engine = services.engine
    with freeze_time("2015-03-01 09:00"):
        assert first_delivery(engine, "EvOld", "T1")
    with freeze_time("2015-03-02 08:00"):
        assert first_delivery(engine, "EvRecent", "T1")
        assert not first_delivery(engine, "EvOld", "T1")  # still remembered within a day
    with freeze_time("2015-03-02 09:30"):
        SWEEPS["forget_old_slack_events"].run(services, datetime(2015, 3, 2, 9, 30, tzinfo=UTC))
    with engine.connect() as conn:
        assert set(conn.scalars(select(SlackEvent.event_id))) == {"EvRecent"}


@pytest.mark.parametrize(
    "timestamp,signature",
    [("", ""), ("", "v0=" + "0" * 64), ("now", "v0=abc"), ("1e9", "v0=abc"), (None, "")],
    ids=["both-empty", "empty-timestamp", "words", "exponent", "empty-signature"],
)
def test_empty_or_unreadable_signature_headers_get_401_not_500(
    sqlite_app, slack, caplog, timestamp, signature
):
    # slack_sdk's verifier calls int() on the timestamp: an empty header used to be a 500.
    from ..harness import http_request

    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Signature": signature}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    body = _command_body(sqlite_app, 'setup "Empty headers"')
    with caplog.at_level(logging.INFO):
        resp = http_request(sqlite_app.url + "/slack/events", "POST", body.encode(), headers)
    assert resp.status == 401
    assert resp.json() == {"error": "invalid request"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert slack.sent("response") == []
    with sqlite_app.services.new_uow() as uow:
        assert uow.programmes.all() == []
