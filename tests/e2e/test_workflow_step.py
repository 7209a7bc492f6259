"""The "Log engagement" Workflow Builder step, through signed `function_executed` events."""

import itertools

from storage.models import Engagement

_events = itertools.count(1)


def _setup(app):
    # The 2014 cycle: the engagements below are dated in it.
    app.command('setup "Hillingdon co-commissioning" --template co-commissioning --year 2014')
    app.command('stakeholder add practice "Acorn Surgery" --code E85001 --list-size 8000')
    app.command('stakeholder add lmc "Londonwide LMCs" --code LMC01')


def _run_step(app, slack, inputs: dict, team="T1") -> dict:
    """Send a function_executed event; return what the step sent to Slack to finish."""
    n = next(_events)
    before = len(slack.sent("functions.completeSuccess")) + len(
        slack.sent("functions.completeError")
    )
    r = app.event(
        {
            "type": "function_executed",
            "function": {
                "id": "Fn1",
                "callback_id": "log_engagement",
                "title": "Log engagement",
                "type": "app",
                "app_id": "A1",
            },
            "inputs": inputs,
            "function_execution_id": f"Fx{n}",
            "workflow_execution_id": f"Wx{n}",
            "event_ts": f"1700000000.{n:06d}",
            "bot_access_token": "xwfp-test-token",
        },
        team=team,
        event_id=f"EvStep{n}",
    )
    assert r.status == 200
    calls = slack.wait_for_any(("functions.completeSuccess", "functions.completeError"), before + 1)
    return calls[-1]


def _engagements(app):
    with app.services.new_uow() as uow:
        return list(uow.session.query(Engagement).order_by(Engagement.id))


def test_the_step_logs_an_engagement_as_the_workflow_user(running_app, slack):
    _setup(running_app)
    method, body = _run_step(
        running_app,
        slack,
        {
            "channel": "C1",
            "stakeholders": "E85001, Londonwide LMCs",
            "kind": "meeting",
            "summary": "Locality meeting: *support* for <delegated> & joint",
            "date": "5 January 2015",
            "position": "support",
            "logged_by": "UJANE",
        },
    )
    [e] = _engagements(running_app)
    assert method == "functions.completeSuccess"
    assert body["function_execution_id"].startswith("Fx")
    assert body["outputs"] == {"engagement_id": str(e.id)}
    assert e.source == "workflow" and e.logged_by == "UJANE" and e.position == "support"
    assert e.summary == "Locality meeting: *support* for <delegated> & joint"
    assert str(e.occurred_on) == "2015-01-05"
    with running_app.services.new_uow() as uow:
        assert {s.code for s in uow.engagements.stakeholders_of(e.id)} == {"E85001", "LMC01"}
    shown = running_app.reply(f"engagement show {e.id}")
    assert "<@UJANE> from a workflow" in shown


def test_without_date_or_position_it_is_today_and_without_a_user_it_is_consult(sqlite_app, slack):
    _setup(sqlite_app)
    method, _ = _run_step(
        sqlite_app,
        slack,
        {"channel": "C1", "stakeholders": "LMC01", "kind": "call", "summary": "Quick call"},
    )
    [e] = _engagements(sqlite_app)
    assert method == "functions.completeSuccess"
    assert e.position is None and e.logged_by == "UBOT" and e.source == "workflow"


def test_bad_inputs_fail_the_step_with_the_commands_message_and_record_nothing(sqlite_app, slack):
    _setup(sqlite_app)
    base = {"channel": "C1", "stakeholders": "E85001", "kind": "meeting", "summary": "x"}
    cases = [
        ({"kind": "lunch"}, "not a kind of engagement"),
        ({"date": "tomorrow"}, "in the future"),
        ({"position": "maybe"}, "not a position"),
        ({"stakeholders": "NOWHERE"}, "No stakeholder matches"),
        ({"stakeholders": " , "}, "Give the stakeholders"),
        ({"summary": "  "}, "summary"),
        ({"channel": "CNONE"}, "setup"),
    ]
    for change, says in cases:
        method, body = _run_step(sqlite_app, slack, base | change)
        assert method == "functions.completeError", change
        assert says in body["error"], (change, body["error"])
        assert "`" not in body["error"]
    assert _engagements(sqlite_app) == []


def test_a_repeated_delivery_logs_once(sqlite_app, slack):
    _setup(sqlite_app)
    event = {
        "type": "function_executed",
        "function": {"callback_id": "log_engagement"},
        "inputs": {"channel": "C1", "stakeholders": "E85001", "kind": "email", "summary": "Sent"},
        "function_execution_id": "FxSame",
        "bot_access_token": "xwfp-test-token",
    }
    assert sqlite_app.event(event, event_id="EvSame").status == 200
    slack.wait_for("functions.completeSuccess")
    assert sqlite_app.event(event, event_id="EvSame", retry=1).status == 200
    assert len(_engagements(sqlite_app)) == 1
