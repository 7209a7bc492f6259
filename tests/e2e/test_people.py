"""The workspace directory through real requests: first sight, user_change, the daily sweep."""

from __future__ import annotations

import time
from dataclasses import replace

from freezegun import freeze_time

import handlers.slack_messenger
from app import slack_messenger_factory
from bot import clock
from bot.services.directory import names_for
from jobs.directory import sweep_directory


def slack_user(user_id: str, real: str, display: str = "", deleted: bool = False) -> dict:
    return {
        "id": user_id,
        "team_id": "T1",
        "name": user_id.lower(),
        "deleted": deleted,
        "real_name": real,
        "profile": {"real_name": real, "display_name": display},
    }


def _name(app, user_id: str, team: str = "T1") -> str:
    with app.services.new_uow() as uow:
        return names_for(uow, team, [user_id])(user_id)


def _wait_for_name(app, user_id: str, expected: str) -> None:
    deadline = time.time() + 10
    while time.time() < deadline:
        if _name(app, user_id) == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"{user_id} is {_name(app, user_id)!r}, not {expected!r}")


def test_a_person_is_looked_up_when_first_seen_and_renamed_by_user_change(running_app, slack):
    slack.directory["UADMIN"] = slack_user("UADMIN", "Alex Admin", "alex")
    running_app.command('setup "Hillingdon co-commissioning"')
    _wait_for_name(running_app, "UADMIN", "Alex Admin")
    running_app.command("deadlines")
    assert len(slack.sent("users.info")) == 1  # once per person, not per request

    r = running_app.event(
        {"type": "user_change", "user": slack_user("UADMIN", "Alex Smith", "alex")},
        event_id="EvUser1",
    )
    assert r.status == 200
    _wait_for_name(running_app, "UADMIN", "Alex Smith")
    running_app.event(
        {"type": "user_change", "user": slack_user("UADMIN", "Alex Smith", deleted=True)},
        event_id="EvUser2",
    )
    _wait_for_name(running_app, "UADMIN", "Alex Smith (deactivated)")
    # Another workspace's directory is its own.
    assert _name(running_app, "UADMIN", team="T2") == "UADMIN (not yet looked up)"


def test_the_daily_sweep_pages_the_directory_once_a_day(sqlite_app, slack, monkeypatch):
    monkeypatch.setattr(handlers.slack_messenger, "DIRECTORY_PAGE_SPACING_SECONDS", 0)
    sqlite_app.command('setup "Hillingdon co-commissioning"')
    for n in range(450):
        slack.directory[f"U{n:04d}"] = slack_user(f"U{n:04d}", f"Person {n}")
    slack.directory["U0007"] = slack_user("U0007", "Gone Person", deleted=True)
    services = replace(
        sqlite_app.services, messenger_for_team=slack_messenger_factory(sqlite_app.services)
    )
    slack.fail("users.list", 1)  # a 429 on the first page: waited out as Retry-After says
    with freeze_time("2026-03-02 03:00:00"):
        sweep_directory(services, clock.now())
    listed = slack.sent("users.list")
    assert len(listed) == 3 and all(int(b["limit"]) == 200 for b in listed)
    assert _name(sqlite_app, "U0449") == "Person 449"
    assert _name(sqlite_app, "U0007") == "Gone Person (deactivated)"
    with freeze_time("2026-03-02 20:00:00"):  # the same day: already done
        sweep_directory(services, clock.now())
    assert len(slack.sent("users.list")) == 3
    with freeze_time("2026-03-03 03:00:00"):  # the next day: again
        sweep_directory(services, clock.now())
    assert len(slack.sent("users.list")) == 6


def test_people_named_as_owners_are_looked_up_off_the_request_path(sqlite_app, slack):
    app = sqlite_app
    slack.directory["UPAT"] = slack_user("UPAT", "Pat Lee", "pat")
    slack.directory["UJO"] = slack_user("UJO", "Jo Khan", "jo")
    slack.not_found.add("UGONE")
    app.command('setup "Hillingdon" --template co-commissioning --year 2014')
    app.wait_until_known("UADMIN")
    # Named before anyone looked them up: said so, not that they are absent.
    assert _name(app, "UPAT") == "UPAT (not yet looked up)"
    reply = app.reply(
        'deadline add "Locality plans" in 20 days --owner <@UPAT|pat> --owner <@UGONE>'
    )
    assert "Added deadline" in reply
    assert app.reply("duty owner 1 <@UJO|jo>").startswith("<@UJO>")
    app.wait_until_known("UPAT", "UGONE", "UJO")
    _wait_for_name(app, "UPAT", "Pat Lee")
    _wait_for_name(app, "UJO", "Jo Khan")
    assert _name(app, "UGONE") == "UGONE (not in the workspace directory)"
    # Each once, whoever named them and however often.
    app.command('deadline add "Board paper" in 30 days --owner <@UPAT|pat>')
    looked_up = [b["user"] for b in slack.sent("users.info")]
    assert sorted(looked_up) == ["UADMIN", "UGONE", "UJO", "UPAT"]
    # The calendar feed names them.
    feed = app.reply("calendar")
    path = "/calendar/" + feed.split("/calendar/", 1)[1].split(".ics", 1)[0] + ".ics"
    body = app.get(path).text.replace("\r\n ", "")
    assert "Pat Lee" in body and "UGONE (not in the workspace directory)" in body
