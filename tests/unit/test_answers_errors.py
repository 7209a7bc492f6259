"""Every Bolt listener goes through one error path, and each kind of request hears the same
answers the way it can be answered."""

from __future__ import annotations

import logging

import pytest
from slack_bolt import App
from slack_bolt.context import BoltContext
from slack_bolt.context.ack import Ack
from sqlalchemy.exc import OperationalError

from bot.errors import ConsultError
from handlers.errors import DATABASE_UNAVAILABLE, answers_errors
from handlers.pipeline.listeners import add_listeners


def test_every_listener_goes_through_the_one_error_path():
    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    add_listeners(app, services=None)
    listeners = [listener.ack_function for listener in app._listeners]
    assert len(listeners) > 10
    assert [f.__name__ for f in listeners if not getattr(f, "answers_errors", False)] == []


def test_a_listener_that_cannot_be_answered_is_refused():
    with pytest.raises(TypeError, match="context"):
        answers_errors(lambda ack, body: None)


class Said:
    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *args, **kwargs):
        self.calls.append({"args": args, **kwargs})


def context_for(**items) -> BoltContext:
    return BoltContext({"ack": Ack(), **items})


def failing(error: Exception):
    @answers_errors
    def listener(ack, body, context):
        ack()
        raise error

    return listener


def test_a_buttons_user_error_is_its_message_privately():
    respond = Said()
    context = context_for(response_url="https://hooks.example/1", respond=respond)
    failing(ConsultError("That deadline is already done."))(
        ack=context.ack, body={"type": "block_actions"}, context=context
    )
    assert respond.calls == [
        {
            "args": (),
            "text": "That deadline is already done.",
            "response_type": "ephemeral",
            "replace_original": False,
        }
    ]


def test_an_unexpected_error_is_logged_and_answered_with_a_reference(caplog):
    respond = Said()
    context = context_for(response_url="https://hooks.example/1", respond=respond)
    with caplog.at_level(logging.ERROR):
        failing(RuntimeError("boom"))(
            ack=context.ack, body={"type": "block_actions"}, context=context
        )
    [said] = respond.calls
    assert said["text"].startswith("Sorry, something went wrong on Consult's side")
    ref = said["text"].rsplit("reference ", 1)[1].rstrip(").")
    assert f"listener failed (ref {ref})" in caplog.text and "RuntimeError: boom" in caplog.text


def test_the_database_out_of_reach_says_so():
    respond = Said()
    context = context_for(response_url="https://hooks.example/1", respond=respond)
    down = OperationalError("SELECT 1", {}, Exception("connection refused"))
    failing(down)(ack=context.ack, body={"type": "block_actions"}, context=context)
    assert respond.calls[0]["text"] == DATABASE_UNAVAILABLE


def test_a_form_that_fails_before_its_ack_shows_the_error_on_its_first_field():
    @answers_errors
    def submit(ack, body, context):
        raise ConsultError("No such programme.")

    context = context_for()
    body = {"type": "view_submission", "view": {"state": {"values": {"kind": {}, "date": {}}}}}
    submit(ack=context.ack, body=body, context=context)
    assert context.ack.response.status == 200
    assert '"errors": {"kind": "No such programme."}' in context.ack.response.body


def test_a_workflow_step_fails_with_the_message_in_plain_text():
    fail = Said()
    context = context_for(fail=fail)
    body = {"type": "event_callback", "event": {"type": "function_executed"}}
    failing(ConsultError("Give the `stakeholders`: *codes*"))(
        ack=context.ack, body=body, context=context
    )
    assert fail.calls == [{"args": ("Give the stakeholders: codes",)}]
