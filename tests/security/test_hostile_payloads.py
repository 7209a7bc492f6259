"""Hostile text in the parts of interactive payloads people control: never an error, never live markup."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.services.demo import load_demo
from storage.models import Engagement

from .test_hostile_input import FORBIDDEN, HOSTILE

USER_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=6).map(" ".join),
    st.just("<!channel> " * 600),
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def demo_app(sqlite_app):
    load_demo(sqlite_app.services.new_uow(), "T1", "C1", "UADMIN")
    return sqlite_app


def _base(kind: str) -> dict:
    return {
        "type": kind,
        "team": {"id": "T1", "domain": "t"},
        "user": {"id": "UADMIN", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "unused",
        "trigger_id": "trigger-1",
    }


def _listener_failures(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("consult")
    ]


def _rendered(value) -> list[str]:
    """Text Slack renders as mrkdwn: messages' text and mrkdwn objects (plain_text and inputs are inert)."""
    out: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            out.append(value["text"])
        for v in value.values():
            out += _rendered(v)
    elif isinstance(value, list):
        for v in value:
            out += _rendered(v)
    return out


def _live_markup(slack) -> list[str]:
    texts: list[str] = []
    for call in slack.calls:
        if isinstance(call.body.get("text"), str):
            texts.append(call.body["text"])
        texts += _rendered(call.body)
    return [t[:200] for t in texts if FORBIDDEN.search(t)]


@FUZZ
@given(text=USER_TEXT)
def test_log_as_engagement_on_any_message(demo_app, slack, caplog, text):
    payload = _base("message_action") | {
        "callback_id": "log_engagement",
        "channel": {"id": "C1"},
        "message": {"text": text, "ts": "1.000100"},
        "response_url": slack.response_url("shortcut"),
        "message_ts": "1.000100",
    }
    with caplog.at_level(logging.ERROR):
        assert demo_app.interact(payload).status == 200
        slack.wait_for("views.open", 1)
    assert _live_markup(slack) == []
    assert _listener_failures(caplog) == []
    slack.reset()


@FUZZ
@given(query=USER_TEXT)
def test_stakeholder_search_with_any_query(demo_app, caplog, query):
    with demo_app.services.new_uow() as uow:
        programme_id = uow.programmes.by_channel("T1", "C1").id
    payload = _base("block_suggestion") | {
        "action_id": "stakeholders",
        "block_id": "stakeholders",
        "value": query,
        "view": {
            "id": "V1",
            "type": "modal",
            "private_metadata": json.dumps({"p": [programme_id]}),
        },
    }
    with caplog.at_level(logging.ERROR):
        resp = demo_app.interact(payload)
    assert resp.status == 200
    options = resp.json().get("options") or resp.json().get("option_groups") or []
    assert isinstance(options, list)
    assert _listener_failures(caplog) == []


@FUZZ
@given(summary=USER_TEXT, title=USER_TEXT)
def test_engagement_form_with_any_summary_and_follow_up(demo_app, slack, caplog, summary, title):
    with demo_app.services.new_uow() as uow:
        programme = uow.programmes.by_channel("T1", "C1")
        stakeholder = uow.stakeholders.list(programme.id)[0]
        engagements_before = uow.session.scalar(select(func.count()).select_from(Engagement))
    values = {
        "stakeholders": {
            "s": {
                "type": "multi_external_select",
                "selected_options": [{"value": f"{programme.id}:s:{stakeholder.id}"}],
            }
        },
        "kind": {"k": {"type": "static_select", "selected_option": {"value": "meeting"}}},
        "date": {"d": {"type": "datepicker", "selected_date": None}},
        "summary": {"m": {"type": "plain_text_input", "value": summary}},
        "action_title": {"a": {"type": "plain_text_input", "value": title}},
        "action_owner": {"o": {"type": "users_select", "selected_user": None}},
        "action_due": {"u": {"type": "datepicker", "selected_date": None}},
    }
    payload = _base("view_submission") | {
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "engagement_form",
            "private_metadata": json.dumps({"p": [programme.id], "c": "C1", "s": "modal"}),
            "state": {"values": values},
        }
    }
    with caplog.at_level(logging.ERROR):
        resp = demo_app.interact(payload)
    assert resp.status == 200
    errors = resp.json().get("errors") if resp.body else None
    with demo_app.services.new_uow() as uow:
        logged = (
            uow.session.scalar(select(func.count()).select_from(Engagement)) - engagements_before
        )
    # Either it was logged, or the form says what to fix; never both, never neither.
    assert (logged == 1) != bool(errors), (logged, errors)
    assert _live_markup(slack) == []
    assert _listener_failures(caplog) == []
    slack.reset()
