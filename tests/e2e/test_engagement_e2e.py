"""The three ways of logging, coverage, App Home and the export, through signed requests."""

import json

from storage.models import Engagement

USER = "UADMIN"


def _setup(app):
    # The 2014 cycle: the engagements below are dated in it.
    app.command('setup "Hillingdon co-commissioning" --template co-commissioning --year 2014')
    app.command(
        'stakeholder add practice "Acorn Surgery" --code E85001 --list-size 8000 --group "North locality"'
    )
    app.command(
        'stakeholder add practice "Beacon Practice" --code E85002 --list-size 2000 --group "North locality"'
    )
    app.command('stakeholder add lmc "Londonwide LMCs" --code LMC01')


def _engagements(app):
    with app.services.new_uow() as uow:
        return list(uow.session.query(Engagement).order_by(Engagement.id))


def _view(callback_values: dict, metadata: str) -> dict:
    return {
        "id": "V1",
        "type": "modal",
        "callback_id": "engagement_form",
        "private_metadata": metadata,
        "state": {"values": callback_values},
    }


def _values(
    picked=(),
    kind="meeting",
    day="2015-01-05",
    summary="Practice visit",
    position=None,
    action=None,
    owner=None,
    due=None,
):
    return {
        "stakeholders": {
            "stakeholders": {
                "type": "multi_external_select",
                "selected_options": [{"value": v} for v in picked],
            }
        },
        "kind": {
            "kind": {"type": "static_select", "selected_option": {"value": kind} if kind else None}
        },
        "date": {"date": {"type": "datepicker", "selected_date": day}},
        "position": {
            "position": {
                "type": "static_select",
                "selected_option": {"value": position} if position else None,
            }
        },
        "summary": {"summary": {"type": "plain_text_input", "value": summary}},
        "action_title": {"action_title": {"type": "plain_text_input", "value": action}},
        "action_owner": {"action_owner": {"type": "users_select", "selected_user": owner}},
        "action_due": {"action_due": {"type": "datepicker", "selected_date": due}},
    }


def _submit(app, view, user=USER):
    return app.interact(
        {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": user},
            "api_app_id": "A1",
            "trigger_id": "t1",
            "view": view,
        }
    )


def test_command_logs_one_engagement_for_each_stakeholder_and_bad_input_changes_nothing(
    running_app, slack
):
    _setup(running_app)
    text = running_app.reply(
        "engage E85001,E85002 meeting \u201cLocality meeting\u201d --date 2/1/2015 --position support"
    )
    assert "Logged engagement #1" in text and "Acorn Surgery" in text and "Beacon Practice" in text
    assert "Fri 2 Jan 2015" in text and slack.sent("response")[-1]["response_type"] == "ephemeral"
    for bad, says in [
        ('engage E85001 lunch "x"', "not a kind of engagement"),
        ('engage E85001 meeting "x" --date tomorrow', "in the future"),
        ('engage E85001 meeting "x" --position maybe', "not a position"),
        ('engage NOWHERE meeting "x"', "No stakeholder matches"),
        ("engage E85001 meeting two words", "in quotes"),
        ('engage meeting "x" --group "South"', "No stakeholder is in the group"),
    ]:
        assert says in running_app.reply(bad), bad
    assert len(_engagements(running_app)) == 1
    assert "Logged engagement #2" in running_app.reply(
        'engage meeting "North meeting" --group "north locality"'
    )
    with running_app.services.new_uow() as uow:
        assert len(uow.engagements.stakeholders_of(2)) == 2
    text = running_app.reply("engagement withdraw 1", user="USOMEONE")
    assert "Only <@UADMIN>" in text


def test_form_opens_suggests_rejects_field_errors_and_logs(sqlite_app, slack):
    _setup(sqlite_app)
    sqlite_app.command("engage", wait=False)
    view = slack.wait_for("views.open")[-1]["view"]
    assert view["callback_id"] == "engagement_form" and view["type"] == "modal"
    metadata = view["private_metadata"]

    r = sqlite_app.interact(
        {
            "type": "block_suggestion",
            "action_id": "stakeholders",
            "block_id": "stakeholders",
            "value": "acorn",
            "team": {"id": "T1"},
            "user": {"id": USER},
            "api_app_id": "A1",
            "view": {"id": "V1", "private_metadata": metadata},
        }
    )
    assert r.status == 200
    options = r.json()["options"]
    assert [o["text"]["text"] for o in options] == ["Acorn Surgery (E85001)"]
    groups = sqlite_app.interact(
        {
            "type": "block_suggestion",
            "action_id": "stakeholders",
            "value": "north",
            "team": {"id": "T1"},
            "user": {"id": USER},
            "api_app_id": "A1",
            "view": {"id": "V1", "private_metadata": metadata},
        }
    ).json()["options"]
    assert groups[0]["text"]["text"] == "All of North locality (2)"

    bad = _submit(
        sqlite_app,
        _view(
            _values(
                picked=[],
                kind=None,
                day="2999-01-01",
                summary="  ",
                action="Send notes",
                due="2000-01-01",
            ),
            metadata,
        ),
    )
    errors = bad.json()
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"stakeholders", "kind", "date", "summary", "action_due"}
    assert _engagements(sqlite_app) == []

    ok = _submit(
        sqlite_app,
        _view(
            _values(
                picked=[options[0]["value"]], position="oppose", action="Send notes", owner="UJANE"
            ),
            metadata,
        ),
    )
    assert ok.status == 200 and not ok.body.strip(b"{} \n")  # an empty ack closes the form
    [e] = _engagements(sqlite_app)
    assert (e.source, e.position, e.kind, e.occurred_on.isoformat()) == (
        "modal",
        "oppose",
        "meeting",
        "2015-01-05",
    )
    confirmation = slack.wait_for("chat.postEphemeral")[-1]
    assert confirmation["user"] == USER and "Logged engagement #1" in confirmation["text"]
    with sqlite_app.services.new_uow() as uow:
        [action] = uow.actions.for_engagement(e.id)
        assert action.owner_id == "UJANE" and action.title == "Send notes"


def test_form_refuses_stakeholders_of_a_programme_it_was_not_opened_for(sqlite_app, slack):
    _setup(sqlite_app)
    sqlite_app.command("engage", wait=False)
    metadata = slack.wait_for("views.open")[-1]["view"]["private_metadata"]
    r = _submit(sqlite_app, _view(_values(picked=["999:s:1"]), metadata))
    assert r.json()["response_action"] == "errors"
    assert _engagements(sqlite_app) == []


def test_message_shortcut_prefills_and_keeps_the_permalink(sqlite_app, slack):
    _setup(sqlite_app)
    r = sqlite_app.interact(
        {
            "type": "message_action",
            "callback_id": "log_engagement",
            "trigger_id": "t9",
            "team": {"id": "T1"},
            "user": {"id": USER},
            "channel": {"id": "C1"},
            "message": {
                "type": "message",
                "text": "LMC say yes, with safeguards",
                "ts": "1420000000.000200",
            },
            "message_ts": "1420000000.000200",
            "response_url": slack.response_url("s1"),
        }
    )
    assert r.status == 200
    view = slack.wait_for("views.open")[-1]["view"]
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "LMC say yes, with safeguards"
    meta = json.loads(view["private_metadata"])
    assert meta["s"] == "shortcut" and "1420000000000200" in meta["l"]
    with sqlite_app.services.new_uow() as uow:
        lmc = uow.stakeholders.by_code(1, "LMC01")
    _submit(
        sqlite_app,
        _view(
            _values(
                picked=[f"1:s:{lmc.id}"], summary="LMC say yes, with safeguards", position="support"
            ),
            view["private_metadata"],
        ),
    )
    [e] = _engagements(sqlite_app)
    assert (
        e.source == "shortcut"
        and e.permalink == meta["l"]
        and e.summary == "LMC say yes, with safeguards"
    )


def test_coverage_app_home_and_export_reach_slack(running_app, slack):
    _setup(running_app)
    running_app.command(
        'engage E85001 meeting "=HYPERLINK(\\"http://x\\")" --position support --date today'
    )
    text = running_app.reply("coverage")
    assert "Member practices*: 1 of 2 engaged" in text and "Beacon Practice (E85002): never" in text
    assert "support: 1 practice, 8,000 patients (80%)" in text

    assert (
        running_app.event(
            {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home"}
        ).status
        == 200
    )
    published = slack.wait_for("views.publish")[-1]
    assert published["user_id"] == USER
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    assert view["type"] == "home" and len(view["blocks"]) < 100
    home_text = json.dumps(view)
    assert "Hillingdon co-commissioning" in home_text and "1 of 2" in home_text

    assert "Sent you" in running_app.reply("export engagements")
    slack.wait_for("files.completeUploadExternal")
    assert slack.sent("files.getUploadURLExternal")[-1]["filename"].endswith("-engagements.csv")
    assert "export ballots" in running_app.reply(
        "export bogus"
    ) or "can't export" in running_app.reply("export bogus")
