"""`/consult digest me daily|weekly [<day>]|off`: each person's own digest as a DM, exactly once per
period through the delivery ledger (across a restart, and a crash between the DM and its record),
nothing when there is nothing, and the Home tab's switch."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

import jobs
import jobs.personal_digests
from bot.dates import is_working_day
from bot.services.deliveries import metadata_for
from tests.harness import RunningApp

LONDON = ZoneInfo("Europe/London")


def next_day(test) -> date:
    d = date.today() + timedelta(days=1)
    while not test(d):
        d += timedelta(days=1)
    return d


def at(day: date, hhmm: str = "09:00:30") -> datetime:
    h, m, s = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=LONDON)


def dms(slack, user: str) -> list[dict]:
    return [
        b
        for b in slack.sent("chat.postMessage")
        if b.get("channel") == user
        and (b.get("metadata") or {})
        .get("event_payload", {})
        .get("key", "")
        .startswith("personal-digest:")
    ]


def setup(app):
    app.command('setup "Harrow CCG"')
    app.command('action add "Call the LMC" --owner <@UADMIN> --due tomorrow')
    app.command('deadline add "Send the draft plan" "in 5 days" --owner <@UADMIN>')
    app.command('deadline add "Far away" "in 60 days" --owner <@UADMIN>')


def sweep(app, now):
    jobs.personal_digests.DM_SPACING_SECONDS = 0
    jobs.run_sweeps(app.services, now.astimezone(ZoneInfo("UTC")))


def test_daily_digest_once_per_working_day_across_a_restart(sqlite_url, slack):
    app = RunningApp(sqlite_url, slack)
    try:
        setup(app)
        reply = app.reply("digest me daily")
        assert "every working day at 09:00 (Europe/London)" in reply
        app.command("digest me daily", user="UJANE")  # owns nothing
        day = next_day(is_working_day)
        sweep(app, at(day, "08:59:00"))
        assert dms(slack, "UADMIN") == []  # not before 09:00
        sweep(app, at(day))
        sweep(app, at(day, "09:01:30"))
        [dm] = dms(slack, "UADMIN")
        key = f"personal-digest:T1:UADMIN:{day.isoformat()}"
        assert dm["metadata"]["event_payload"]["key"] == key
        body = json.dumps(dm["blocks"], ensure_ascii=False)
        assert "Your open actions* (1)" in body and "Call the LMC" in body
        assert "Send the draft plan" in body and "Far away" not in body  # two weeks only
        assert "Your daily digest" in dm["text"]
        assert dms(slack, "UJANE") == []  # nothing for her: nothing sent, but settled
        with app.services.new_uow() as uow:
            jane = uow.deliveries.get(f"personal-digest:T1:UJANE:{day.isoformat()}")
            assert (jane.state, jane.message_ts) == ("sent", None)
    finally:
        app.close()
    # A restart (a new process on the same database) sends nothing more this day...
    app = RunningApp(sqlite_url, slack)
    try:
        sweep(app, at(day, "09:05:00"))
        assert len(dms(slack, "UADMIN")) == 1
        # ...and the next working day's digest once.
        following = next_day(lambda d: d > day and is_working_day(d))
        sweep(app, at(following))
        sweep(app, at(following, "10:00:00"))
        assert len(dms(slack, "UADMIN")) == 2
    finally:
        app.close()


def test_weekly_on_its_day_only_and_off_stops_it(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    assert "every Friday at 09:00" in app.reply("digest me weekly friday")
    thursday = next_day(lambda d: d.weekday() == 3)
    sweep(app, at(thursday))
    assert dms(slack, "UADMIN") == []
    friday = thursday + timedelta(days=1)
    sweep(app, at(friday, "11:00:00"))  # Consult was down at 09:00: sent on coming back, marked
    sweep(app, at(friday, "15:00:00"))
    [dm] = dms(slack, "UADMIN")
    assert "Sent late" in json.dumps(dm["blocks"])
    year, week, _ = friday.isocalendar()
    assert dm["metadata"]["event_payload"]["key"] == f"personal-digest:T1:UADMIN:{year}-W{week:02d}"
    # Moving the day within the week does not send that week's digest again.
    app.command("digest me weekly saturday")
    sweep(app, at(friday + timedelta(days=1)))
    assert len(dms(slack, "UADMIN")) == 1
    assert "is off" in app.reply("digest me off")
    sweep(app, at(friday + timedelta(days=7)))
    assert len(dms(slack, "UADMIN")) == 1
    for bad, says in [
        ("digest me fortnightly", "not a digest frequency"),
        ("digest me weekly blursday", "not a weekday"),
        ("digest me daily tuesday", "Say `daily`"),
    ]:
        assert says in app.reply(bad), bad
    assert "is off" in app.reply("digest me")  # the bad ones changed nothing


def test_a_crash_between_the_dm_and_its_record_is_settled_from_the_dm(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    app.command("digest me daily")
    day = next_day(is_working_day)
    key = f"personal-digest:T1:UADMIN:{day.isoformat()}"
    # A process claimed the key and sent the DM, then was killed (kill -9) before recording it.
    with app.services.new_uow() as uow:
        uow.deliveries.claim(
            key,
            programme_id=None,
            kind="personal-digest",
            recipient="UADMIN",
            late=False,
            now=at(day, "09:00:05"),
        )
        uow.commit()
    slack.seed_message("UADMIN", "1700000000.000100", "Your daily digest", metadata_for(key))
    for moment in (at(day, "09:02:00"), at(day, "09:10:00")):
        # At 09:02 the claim is fresh (its sender may still be at work); at 09:10 it is stale.
        with freeze_time(moment):
            sweep(app, moment)
    assert dms(slack, "UADMIN") == []
    with app.services.new_uow() as uow:
        row = uow.deliveries.get(key)
        assert (row.state, row.message_ts) == ("sent", "1700000000.000100")


def test_votes_to_cast_and_issues_owned(sqlite_app, slack):
    app = sqlite_app
    app.command('setup "Harrow CCG"')
    app.command('stakeholder add practice "Acorn Surgery" --code E1 --list-size 8000')
    app.command("stakeholder link E1 <@UGP1>")
    app.command('vote open "Support the plan?" --closes "in 10 days"')
    app.command('issue add "Access to appointments"')
    app.command('issue respond 1 "We are looking at it" --state open --owner <@UGP1>')
    app.command("digest me daily", user="UGP1")
    app.command("digest me", user="UGP1")
    reply = slack.sent("response")[-1]
    assert "1 vote to cast; 1 issue to answer" in reply["text"]
    preview = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Support the plan?" in preview and "Acorn Surgery" in preview
    assert "Access to appointments" in preview
    day = next_day(is_working_day)
    sweep(app, at(day))
    [dm] = dms(slack, "UGP1")
    body = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "Votes you can still cast* (1)" in body and "Issues whose response you own* (1)" in body
    app.command("vote cast for", user="UGP1")
    app.command("digest me", user="UGP1")
    assert "Support the plan?" not in json.dumps(slack.sent("response")[-1]["blocks"])
    # Forgetting a person stops their digest: nobody is left to send it to.
    with app.services.new_uow() as uow:
        assert uow.personal_digests.setting("T1", "UGP1") is not None
    app.command("person forget <@UGP1>")
    with app.services.new_uow() as uow:
        assert uow.personal_digests.setting("T1", "UGP1") is None


def published(app, slack, n):
    before = len(slack.sent("views.publish"))
    app.event(
        {"type": "app_home_opened", "user": "UADMIN", "channel": "D1", "tab": "home"},
        event_id=f"Ev{n}",
    )
    view = slack.wait_for("views.publish", before + 1)[-1]["view"]
    return view if isinstance(view, dict) else json.loads(view)


def test_the_home_tab_shows_the_setting_and_changes_it(sqlite_app, slack):
    app = sqlite_app
    setup(app)
    view = published(app, slack, 1)
    assert "Your own digest is *off*" in json.dumps(view)
    before = len(slack.sent("views.publish"))
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": "UADMIN", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "unused",
        "trigger_id": "t1",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home"},
        "actions": [
            {
                "type": "button",
                "action_id": "personal_digest_daily",
                "block_id": "personal_digest",
                "value": "daily",
                "action_ts": str(time.time()),
            }
        ],
    }
    assert app.interact(payload).status == 200
    view = slack.wait_for("views.publish", before + 1)[-1]["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert "Your own digest comes *every working day at 09:00*" in json.dumps(view)
    assert "every working day at 09:00" in app.reply("digest me")


def test_a_big_sweep_is_spread_over_ticks_and_not_marked_late(sqlite_app, slack, monkeypatch):
    app = sqlite_app
    setup(app)
    app.command('action add "Jane\'s call" --owner <@UJANE> --due tomorrow')
    app.command("digest me daily")
    app.command("digest me daily", user="UJANE")
    monkeypatch.setattr(jobs.personal_digests, "MAX_PER_SWEEP", 1)
    day = next_day(is_working_day)
    sweep(app, at(day))
    assert len(dms(slack, "UADMIN")) + len(dms(slack, "UJANE")) == 1
    sweep(app, at(day, "09:20:00"))  # the next ticks take the rest, on time
    sweep(app, at(day, "09:21:00"))
    assert len(dms(slack, "UADMIN")) == 1 and len(dms(slack, "UJANE")) == 1
    assert "Sent late" not in json.dumps(dms(slack, "UADMIN") + dms(slack, "UJANE"))


def test_no_digest_for_a_deactivated_account(sqlite_app, slack):
    from bot.people import Person

    app = sqlite_app
    setup(app)
    app.command('action add "Jane\'s call" --owner <@UJANE> --due tomorrow')
    app.command("digest me daily", user="UJANE")
    with app.services.new_uow() as uow:
        uow.people.save(
            "T1", Person("UJANE", "jane", "Jane Doe", deleted=True), datetime.now(LONDON)
        )
        uow.commit()
    day = next_day(is_working_day)
    sweep(app, at(day))
    assert dms(slack, "UJANE") == []
    with app.services.new_uow() as uow:
        assert uow.deliveries.get(f"personal-digest:T1:UJANE:{day.isoformat()}") is None
