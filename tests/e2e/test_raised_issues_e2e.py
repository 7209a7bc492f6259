"""Issues raised through signed requests: the commands, the form's multi-select and new issue,
a suggestion confirmed with its button, and the export."""

from storage.models import Engagement, RaisedIssue

from .test_engagement_e2e import USER, _setup, _submit, _values, _view


def _issues(app):
    with app.services.new_uow() as uow:
        return {i.name: i for i in uow.session.query(RaisedIssue).order_by(RaisedIssue.id)}


def test_issue_commands_tag_list_respond_and_refuse_bad_input(running_app, slack):
    _setup(running_app)
    assert "Added issue *#1 List-size funding*" in running_app.reply(
        'issue add "List-size funding" --description "How list sizes drive funding"'
    )
    running_app.reply('issue add "GP workload"')
    text = running_app.reply(
        'engage E85001 meeting "On #gp-workload too" --date 2/1/2015 --issue "list-size funding"'
    )
    assert "Issues: *List-size funding* (#1), *GP workload* (#2)" in text
    running_app.reply('engage LMC01 letter "LMC on funding" --date 3/1/2015 --issue 1')
    listing = running_app.reply("issues")
    assert listing.index("#1 List-size funding") < listing.index("#2 GP workload")
    assert "raised by 2 stakeholders in 2 engagements" in listing
    for bad, says in [
        ('engage E85002 call "x" --issue "parking"', "No issue is called 'parking'"),
        ('issue add ""', "empty"),
        ('issue respond 1 "No" --state not-taken-forward', "--reason"),
        ('issue respond 42 "x"', "no issue #42"),
        ("issue respnd 1", "Did you mean `issue respond`"),
        ("coverage --issue 9", "no issue #9"),
    ]:
        assert says in running_app.reply(bad), bad
    with running_app.services.new_uow() as uow:
        assert uow.session.query(Engagement).count() == 2
        assert uow.session.query(RaisedIssue).count() == 2
    assert _issues(running_app)["List-size funding"].state == "open"

    text = running_app.reply(
        'issue respond 1 "Formula published" --state plan-changed --date 5/1/2015'
    )
    assert "now *plan changed*" in text and "Mon 5 Jan 2015" in text
    cov = running_app.reply("coverage --issue 1")
    assert "Acorn Surgery (E85001)" in cov and "Beacon Practice (E85002): never engaged" in cov

    running_app.command("export issues")
    upload = slack.wait_for("files.completeUploadExternal")
    assert upload
    assert "issues.csv" in slack.sent("response")[-1]["text"]


def test_form_tags_and_creates_issues_and_a_suggestion_is_confirmed_by_its_button(
    sqlite_app, slack
):
    _setup(sqlite_app)
    sqlite_app.reply('issue add "GP workload"')
    sqlite_app.command("engage", wait=False)
    view = slack.wait_for("views.open")[-1]["view"]
    [issues_block] = [b for b in view["blocks"] if b.get("block_id") == "issues"]
    [option] = issues_block["element"]["options"]
    assert option["text"]["text"] == "GP workload"
    metadata = view["private_metadata"]

    values = _values(picked=["1:s:1"], summary="Locum cover and workload")
    values["issues"] = {"issues": {"type": "multi_static_select", "selected_options": [option]}}
    values["new_issue"] = {"new_issue": {"type": "plain_text_input", "value": "Locum cover"}}
    assert _submit(sqlite_app, _view(values, metadata)).status == 200
    issues = _issues(sqlite_app)
    assert {n: i.engagements for n, i in issues.items()} == {"GP workload": 1, "Locum cover": 1}

    values = _values(picked=["1:s:1"], summary="x")
    values["new_issue"] = {"new_issue": {"type": "plain_text_input", "value": "42"}}
    bad = _submit(sqlite_app, _view(values, metadata)).json()
    assert bad["response_action"] == "errors" and "new_issue" in bad["errors"]

    sqlite_app.command('engage E85002 call "They worry about locum cover" --date 4/1/2015')
    reply = slack.sent("response")[-1]
    buttons = [b for b in reply["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [b["text"]["text"] for b in buttons][-1] == "Leave untagged"
    first = buttons[0]
    assert first["text"]["text"] == "Tag: Locum cover"
    answered = len(slack.sent("response"))
    r = sqlite_app.interact(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": USER, "team_id": "T1"},
            "api_app_id": "A1",
            "channel": {"id": "C1"},
            "response_url": slack.response_url("click"),
            "actions": [
                {"action_id": first["action_id"], "value": first["value"], "type": "button"}
            ],
        }
    )
    assert r.status == 200
    slack.wait_for("response", count=answered + 1)
    assert "Tagged engagement #2 with *Locum cover*" in slack.sent("response")[-1]["text"]
    assert _issues(sqlite_app)["Locum cover"].stakeholders == 2
    assert "is tagged with *Locum cover*" in sqlite_app.reply("issue suggest 2")


def test_app_home_shows_the_top_open_issues(sqlite_app, slack):
    import json

    _setup(sqlite_app)
    sqlite_app.reply('issue add "List-size funding"')
    sqlite_app.reply('issue add "Estates"')
    sqlite_app.reply('engage E85001,E85002 meeting "x" --date 2/1/2015 --issue "list-size funding"')
    sqlite_app.reply('engage E85001 meeting "y" --date 2/1/2015 --issue estates')
    sqlite_app.reply('issue respond estates "Surveyed" --state plan-changed')  # no longer open
    assert (
        sqlite_app.event(
            {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home"}
        ).status
        == 200
    )
    view = slack.wait_for("views.publish")[-1]["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    text = json.dumps(view)
    assert "Top open issues" in text and "#1 List-size funding: raised by 2 stakeholders" in text
    assert "Estates" not in text
