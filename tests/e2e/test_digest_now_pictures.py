"""`/consult digest now` and the roll-up digest carry the weekly digest's charts (image blocks of
uploaded files, each distinct picture uploaded once), with text bars when Slack will not take them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event

import jobs
import jobs.digests
from bot import charts, clock
from bot.digest import Schedule, scheduled_this_week


@pytest.fixture(autouse=True)
def no_spacing(monkeypatch):
    monkeypatch.setattr(jobs.digests, "POST_SPACING_SECONDS", 0)


def programmes(app):
    app.command('setup "Harrow CCG"')
    app.command('stakeholder add practice "Acorn Surgery" --code E1 --list-size 8000')
    app.command('stakeholder add practice "Beacon Practice" --code E2 --list-size 2000')
    app.command('engage E1 meeting "Supportive" --position support')
    app.command('setup "Brent CCG"', channel="C2")
    app.command(
        'stakeholder add practice "Cedar Practice" --code E3 --list-size 5000', channel="C2"
    )
    app.command('engage E3 meeting "Against" --position oppose', channel="C2")
    app.command("digest follow <#CAREA|area-team>")
    app.command("digest follow <#CAREA|area-team>", channel="C2")


def images(blocks) -> list[dict]:
    return [b for b in blocks if b["type"] == "image"]


def test_digest_now_shows_the_weekly_charts_uploaded_once(sqlite_app, slack, monkeypatch):
    drawn = []
    draw = charts.draw
    monkeypatch.setattr(
        charts, "draw", lambda chart, fmt: drawn.append(chart.name) or draw(chart, fmt)
    )
    programmes(sqlite_app)
    sqlite_app.command("digest now")
    reply = slack.sent("response")[-1]
    coverage, positions = images(reply["blocks"])
    assert coverage["alt_text"].startswith("Stakeholders engaged in the last 30 days: 1 of 2")
    assert "support 1 (50% of practices, 80% of registered patients)" in positions["alt_text"]
    assert reply["blocks"].index(coverage) == 2  # after the header and the headline
    files = {coverage["slack_file"]["id"], positions["slack_file"]["id"]}
    assert files == {f for f, u in slack.uploads.items() if u["complete"]}
    assert sorted(drawn) == ["coverage", "positions"]
    ledger_reads = []
    event.listen(
        sqlite_app.services.engine,
        "before_cursor_execute",
        lambda *a: "FROM delivery" in a[2] and ledger_reads.append(a[2]),
    )
    sqlite_app.command("digest now")  # the same figures: the same files, nothing drawn or uploaded
    assert ledger_reads == []  # files this process knows were uploaded: the ledger is not read
    again = slack.sent("response")[-1]
    assert {b["slack_file"]["id"] for b in images(again["blocks"])} == files
    assert len(slack.sent("files.completeUploadExternal")) == 2
    assert len(drawn) == 2


def test_digest_now_falls_back_to_text_bars(sqlite_app, slack):
    programmes(sqlite_app)
    slack.fail("files.getUploadURLExternal", 10, 400)
    sqlite_app.command("digest now")
    reply = slack.sent("response")[-1]
    assert not images(reply["blocks"])
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "*Engaged in the last 30 days*" in text and "Member practices: 1 of 2" in text
    assert "support: 1 (80% of registered patients)" in text


def test_the_rollup_carries_the_charts_now_and_in_the_weekly_post(sqlite_app, slack):
    programmes(sqlite_app)
    sqlite_app.command("digest now", channel="CAREA")
    reply = slack.sent("response")[-1]
    coverage, positions = images(reply["blocks"])
    assert "Brent CCG: 1 of 1" in coverage["alt_text"]
    assert "Harrow CCG: 1 of 2" in coverage["alt_text"]
    assert "3 practices with 15,000 registered patients" in positions["alt_text"]
    assert "oppose 1" in positions["alt_text"] and "support 1" in positions["alt_text"]

    # The weekly roll-up in the channel: the same pictures, through the ledger, once.
    monday = scheduled_this_week(Schedule(timezone="Europe/London"), clock.now())
    now = monday + timedelta(seconds=30)
    jobs.run_sweeps(sqlite_app.services, now)
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    posts = [
        b
        for b in slack.sent("chat.postMessage")
        if (b.get("metadata") or {})
        .get("event_payload", {})
        .get("key", "")
        .startswith("digest-rollup:")
    ]
    assert len(posts) == 1 and posts[0]["channel"] == "CAREA"
    shown = images(posts[0]["blocks"])
    assert [b["alt_text"] for b in shown] == [coverage["alt_text"], positions["alt_text"]]
