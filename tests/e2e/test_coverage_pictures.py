"""`/consult coverage --chart` and the Home tab's chart: image blocks by `slack_file`, each distinct
picture uploaded once, text bars whenever Slack will not take the picture."""

from __future__ import annotations

import json

USER = "UADMIN"


def setup(app):
    app.command('setup "Harrow CCG"')
    app.command('stakeholder add practice "Acorn Surgery" --code E1 --list-size 8000')
    app.command('stakeholder add practice "Beacon Practice" --code E2 --list-size 2000')
    app.command('engage E1 meeting "Supportive" --position support')


def chart_reply(app) -> dict:
    app.command("coverage --chart")
    return app.slack.sent("response")[-1]


def test_coverage_chart_shows_both_pictures_and_uploads_each_once(sqlite_app, slack):
    setup(sqlite_app)
    reply = chart_reply(sqlite_app)
    assert reply["response_type"] == "ephemeral"
    coverage, positions = [b for b in reply["blocks"] if b["type"] == "image"]
    assert coverage["alt_text"] == (
        "Stakeholders engaged in the last 30 days: 1 of 2 in all. Member practices: 1 of 2."
    )
    assert "support 1 (50% of practices, 80% of registered patients)" in positions["alt_text"]
    assert {coverage["slack_file"]["id"], positions["slack_file"]["id"]} == {
        f for f, u in slack.uploads.items() if u["complete"]
    }
    text = json.dumps(reply["blocks"])
    assert "Beacon Practice (E2): never" in text  # the text follows the pictures
    # The same figures again: the same files, nothing uploaded.
    again = chart_reply(sqlite_app)
    assert [b["slack_file"] for b in again["blocks"] if b["type"] == "image"] == [
        coverage["slack_file"],
        positions["slack_file"],
    ]
    assert len(slack.sent("files.completeUploadExternal")) == 2
    # New figures, a new coverage picture (the positions are unchanged: same file).
    sqlite_app.command('engage E2 call "Asked questions"')
    third = [
        b["slack_file"]["id"] for b in chart_reply(sqlite_app)["blocks"] if b["type"] == "image"
    ]
    assert third[0] != coverage["slack_file"]["id"] and third[1] == positions["slack_file"]["id"]
    assert len(slack.sent("files.completeUploadExternal")) == 3


def test_coverage_chart_falls_back_to_text_bars_and_checks_its_input(sqlite_app, slack):
    setup(sqlite_app)
    slack.fail("files.getUploadURLExternal", 10, 400)  # e.g. the workspace refuses uploads
    reply = chart_reply(sqlite_app)
    assert not [b for b in reply["blocks"] if b["type"] == "image"]
    assert "`■■■■■□□□□□` Member practices: 1 of 2" in json.dumps(
        reply["blocks"], ensure_ascii=False
    )
    refused = sqlite_app.reply("coverage --issue 1 --chart")
    assert "`--issue` goes alone" in refused


def test_the_home_tab_shows_the_coverage_picture(sqlite_app, slack):
    setup(sqlite_app)

    def published(n):
        sqlite_app.event(
            {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home"},
            event_id=f"Ev{n}",
        )
        view = slack.wait_for("views.publish")[-1]["view"]
        return view if isinstance(view, dict) else json.loads(view)

    view = published(1)
    [picture] = [b for b in view["blocks"] if b["type"] == "image"]
    assert picture["alt_text"].startswith("Stakeholders engaged in the last 30 days: 1 of 2")
    assert slack.uploads[picture["slack_file"]["id"]]["complete"]
    assert "Member practices: 1 of 2" in json.dumps(view)  # text bars stay beside it
    slack.reset()
    again = published(2)
    assert [b for b in again["blocks"] if b["type"] == "image"] == [picture]
    assert slack.sent("files.getUploadURLExternal") == []  # one file for every opening


def test_the_home_tab_is_published_without_a_picture_slack_refuses(sqlite_app, slack):
    setup(sqlite_app)
    slack.files_processing = True
    sqlite_app.event({"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home"})
    view = slack.wait_for("views.publish")[-1]["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert [c.method for c in slack.calls].count("views.publish:failed") == 1
    assert not [b for b in view["blocks"] if b["type"] == "image"]
    assert "Member practices: 1 of 2" in json.dumps(view)


def test_coverage_chart_slack_cannot_show_yet_is_answered_with_text_bars(sqlite_app, slack):
    setup(sqlite_app)
    slack.files_processing = True  # uploaded, but Slack refuses to show the files yet
    sqlite_app.command("coverage --chart")
    slack.wait_for("response", 5)  # four set-up replies, then this one's second answer
    refused = [c.body for c in slack.calls if c.method == "response:failed"]
    assert len(refused) == 1 and [b for b in refused[0]["blocks"] if b["type"] == "image"]
    reply = slack.sent("response")[-1]
    assert not [b for b in reply["blocks"] if b["type"] == "image"]
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "`■■■■■□□□□□` Member practices: 1 of 2" in text and "support: 1" in text
