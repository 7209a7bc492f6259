"""The digest through the running app: signed `/consult digest` commands, and the weekly post
reaching a stand-in Slack that answers 429 (with Retry-After) before it accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest

import jobs
import jobs.digests
from bot import clock
from bot.digest import Schedule, scheduled_this_week
from handlers.console import blocks_text


@pytest.fixture(autouse=True)
def no_spacing(monkeypatch):
    monkeypatch.setattr(jobs.digests, "POST_SPACING_SECONDS", 0)


def digest_posts(slack) -> list[dict]:
    return [
        b
        for b in slack.sent("chat.postMessage")
        if (b.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("digest:")
    ]


def monday_0900_this_week():
    return scheduled_this_week(Schedule(timezone="Europe/London"), clock.now())


def test_digest_now_is_shown_only_to_the_asker_and_changes_nothing(running_app, slack):
    running_app.command('setup "Hillingdon <CCG>"')
    running_app.command('stakeholder add practice "Acorn Surgery" --code E85001')
    running_app.command('engage E85001 meeting "Talked it through" --position support')
    posts_before = len(slack.sent("chat.postMessage"))
    running_app.command("digest now", user="UMEMBER")
    reply = slack.sent("response")[-1]
    assert reply["response_type"] == "ephemeral"
    text = blocks_text(reply["blocks"])
    assert reply["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Weekly digest: Hillingdon <CCG>", "emoji": True},
    }
    assert (
        "1 engagement logged" in text and "Acorn Surgery* (E85001): no position → *support*" in text
    )
    assert len(slack.sent("chat.postMessage")) == posts_before  # nothing posted to the channel
    assert "every Monday at 09:00" in running_app.reply("digest schedule")
    with running_app.services.new_uow() as uow:
        assert not [r for r in uow.deliveries.all_for(1) if r.kind == "digest"]


def test_digest_commands_check_roles_and_input(sqlite_app, slack):
    sqlite_app.command('setup "P"')
    text = sqlite_app.reply("digest schedule wednesday 10:00", user="UOTHER")
    assert "Only the programme's admins" in text and "<@UADMIN>" in text
    text = sqlite_app.reply("digest schedule blursday 10:00")
    assert "not a weekday" in text and "Usage" in text
    text = sqlite_app.reply("digest schedule wed 25:00")
    assert "as a time" in text
    text = sqlite_app.reply("digest follow nowhere")
    assert "not a channel" in text
    assert "every Monday at 09:00" in sqlite_app.reply(
        "digest schedule"
    )  # unchanged by the bad ones
    text = sqlite_app.reply("digest schedule weds 7:30am")
    assert "every Wednesday at 07:30 (Europe/London)" in text
    assert "every Wednesday at 07:30" in slack.sent("chat.postMessage")[-1]["text"]
    assert "the weekly digest is off" in sqlite_app.reply("digest schedule off")
    assert "turned off the weekly digest" in slack.sent("chat.postMessage")[-1]["text"]
    assert "already off" in sqlite_app.reply("digest schedule off")
    assert "follows" in sqlite_app.reply("digest follow <#CAREA|area-team>")
    assert "no longer" in sqlite_app.reply("digest unfollow <#CAREA|area-team>")
    assert "no programme yet" in sqlite_app.reply("digest now", channel="CNONE")


def test_a_429_with_retry_after_never_loses_or_doubles_the_digest(sqlite_app, slack):
    sqlite_app.command('setup "Harrow CCG"')
    now = monday_0900_this_week() + timedelta(seconds=30)
    # Two 429s: slack_sdk waits as Retry-After says and retries; the digest arrives once.
    slack.fail("chat.postMessage", 2, 429, {"Retry-After": "0"})
    jobs.run_sweeps(sqlite_app.services, now)
    assert len(digest_posts(slack)) == 1
    assert len([c for c in slack.calls if c.method == "chat.postMessage:failed"]) == 2
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    assert len(digest_posts(slack)) == 1


def test_a_429_beyond_the_retries_is_posted_at_the_next_sweep_once(sqlite_app, slack):
    sqlite_app.command('setup "Ealing CCG"')
    now = monday_0900_this_week() + timedelta(seconds=30)
    slack.fail(
        "chat.postMessage", 6, 429, {"Retry-After": "0"}
    )  # more than the 5 retries slack_sdk makes
    jobs.run_sweeps(sqlite_app.services, now)
    assert digest_posts(slack) == []
    with sqlite_app.services.new_uow() as uow:
        [row] = [r for r in uow.deliveries.all_for(1) if r.kind == "digest"]
        assert row.state == "failed" and "ratelimited" in row.error
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=1))
    jobs.run_sweeps(sqlite_app.services, now + timedelta(minutes=2))
    [post] = digest_posts(slack)
    assert post["channel"] == "C1" and post["blocks"][0]["type"] == "header"
