"""The weekly digest's charts: uploaded with files_upload_v2, shown with `slack_file` image blocks,
covered by the delivery ledger, and replaced by text bars whenever Slack will not take them."""

from __future__ import annotations

from datetime import timedelta

import pytest

import jobs
import jobs.digests
from bot import clock
from bot.digest import Schedule, scheduled_this_week


@pytest.fixture(autouse=True)
def no_spacing(monkeypatch):
    monkeypatch.setattr(jobs.digests, "POST_SPACING_SECONDS", 0)


def monday_0900_this_week():
    return scheduled_this_week(Schedule(timezone="Europe/London"), clock.now())


def digest_posts(slack) -> list[dict]:
    return [
        b
        for b in slack.sent("chat.postMessage")
        if (b.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("digest:")
    ]


def programme(app):
    app.command('setup "Harrow CCG"')
    app.command('stakeholder add practice "Acorn Surgery" --code E1 --list-size 8000')
    app.command('stakeholder add practice "Beacon Practice" --code E2 --list-size 2000')
    app.command('stakeholder add lmc "Harrow LMC"')
    app.command('engage E1 meeting "Supportive" --position support')


def images(post) -> list[dict]:
    return [b for b in post["blocks"] if b["type"] == "image"]


def picture_rows(app):
    with app.services.new_uow() as uow:
        return {
            r.key.rsplit(":", 1)[-1]: r for r in uow.deliveries.all_for(1) if ":picture:" in r.key
        }


def test_the_digest_shows_coverage_and_positions_as_uploaded_images(sqlite_app, slack):
    programme(sqlite_app)
    now = monday_0900_this_week() + timedelta(seconds=30)
    jobs.run_sweeps(sqlite_app.services, now)
    [post] = digest_posts(slack)
    coverage, positions = images(post)
    # Uploaded to no channel (the files are the app's; the message shows them), then referenced.
    done = slack.sent("files.completeUploadExternal")
    assert len(done) == 2 and all(not d.get("channel_id") for d in done)
    uploaded = {f: u for f, u in slack.uploads.items() if u["complete"]}
    assert [coverage["slack_file"]["id"], positions["slack_file"]["id"]] == sorted(uploaded)
    for block in (coverage, positions):
        assert uploaded[block["slack_file"]["id"]]["content"][:8] == b"\x89PNG\r\n\x1a\n"
    assert coverage["alt_text"] == (
        "Stakeholders engaged in the last 30 days: 1 of 3 in all. "
        "Member practices: 1 of 2; Local Medical Committee: 0 of 1."
    )
    assert positions["alt_text"].startswith(
        "Member practices by current position, 2 practices with 10,000 registered patients: "
        "support 1 (50% of practices, 80% of registered patients)"
    )
    assert uploaded[coverage["slack_file"]["id"]]["alt_txt"] == coverage["alt_text"]
    # The ledger holds each picture's file id; a later sweep neither uploads nor posts again.
    rows = picture_rows(sqlite_app)
    assert {k: (r.state, r.message_ts) for k, r in rows.items()} == {
        "coverage": ("sent", coverage["slack_file"]["id"]),
        "positions": ("sent", positions["slack_file"]["id"]),
    }
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    assert len(digest_posts(slack)) == 1 and len(slack.sent("files.completeUploadExternal")) == 2


def test_a_failed_upload_gives_text_bars_once_and_is_not_retried(sqlite_app, slack):
    programme(sqlite_app)
    now = monday_0900_this_week() + timedelta(seconds=30)
    slack.fail("files.getUploadURLExternal", 20, 500)
    jobs.run_sweeps(sqlite_app.services, now)
    [post] = digest_posts(slack)
    assert images(post) == []
    text = "\n".join(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")
    assert "*Engaged in the last 30 days*\n`■■■■■□□□□□` Member practices: 1 of 2" in text
    assert "`■■■■■□□□□□` support: 1 (80% of registered patients)" in text
    assert {r.state for r in picture_rows(sqlite_app).values()} == {"failed"}
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    assert len(digest_posts(slack)) == 1  # the digest is in: nothing uploads or posts again
    assert slack.sent("files.completeUploadExternal") == []


def test_an_image_slack_refuses_falls_back_to_text_in_the_same_single_post(sqlite_app, slack):
    programme(sqlite_app)
    slack.files_processing = True  # uploads go through, but Slack will not show them yet
    jobs.run_sweeps(sqlite_app.services, monday_0900_this_week() + timedelta(seconds=30))
    refused = [c for c in slack.calls if c.method == "chat.postMessage:failed"]
    assert len(refused) == 2  # the post with images, and once more after a pause
    [post] = digest_posts(slack)
    assert images(post) == [] and "Member practices: 1 of 2" in str(post["blocks"])


def test_pictures_survive_a_failed_post_without_a_second_upload(sqlite_app, slack):
    programme(sqlite_app)
    now = monday_0900_this_week() + timedelta(seconds=30)
    slack.fail("chat.postMessage", 6, 500)  # beyond slack_sdk's retries: the post waits a sweep
    jobs.run_sweeps(sqlite_app.services, now)
    assert digest_posts(slack) == []
    assert len(slack.sent("files.completeUploadExternal")) == 2
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    [post] = digest_posts(slack)
    assert len(images(post)) == 2
    assert len(slack.sent("files.completeUploadExternal")) == 2  # the same two files
