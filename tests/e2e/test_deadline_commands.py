"""Deadlines and meetings over signed HTTP, and the buttons on a reminder."""

import json
import time
from datetime import timedelta

from bot import clock, reminders
from bot.dates import format_date, is_working_day
from jobs.reminders import send_due_reminders


def _iso(d):
    return d.isoformat()


def _today():
    return clock.today_in("Europe/London")


def _setup(app):
    app.command('setup "Hillingdon"')


def _added_id(reply: str) -> int:
    return int(reply.split("`#")[1].split("`")[0])


def _button(app, action_id, value, user, channel="C1", n=1):
    return app.interact(
        {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "test"},
            "user": {"id": user, "team_id": "T1"},
            "api_app_id": "A1",
            "token": "unused",
            "trigger_id": f"trig-{n}",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
            "channel": {"id": channel, "name": "consult"},
            "message": {"ts": "1.1", "text": "reminder"},
            "response_url": app.slack.response_url(f"button{n}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "reminder_x",
                    "value": str(value),
                    "type": "button",
                    "action_ts": "1.2",
                }
            ],
        }
    )


def _responses(slack, name, timeout=10.0):
    """The answers posted to one button's response_url (waits for the first)."""
    deadline = time.time() + timeout
    while True:
        found = [
            c.body
            for c in list(slack.calls)
            if c.method == "response" and c.path.endswith("/" + name)
        ]
        if found or time.time() > deadline:
            return found
        time.sleep(0.02)


def test_add_list_move_and_close_deadlines(sqlite_app, slack):
    _setup(sqlite_app)
    due = _today() + timedelta(days=40)
    reply = sqlite_app.reply(
        f'deadline add "Board paper <draft>" {_iso(due)} --time 17:00 --owner <@UJANE|jane> '
        f"--owner <@UBOB> --remind 14,7,1,0"
    )
    assert "Added deadline" in reply and f"{format_date(due)} at 17:00" in reply
    post = slack.sent("chat.postMessage")[-1]
    assert post["channel"] == "C1" and "Board paper &lt;draft&gt;" in post["text"]
    assert "<@UBOB>, <@UJANE>" in post["text"] and "Reminders at 09:00 on" in post["text"]
    deadline_id = _added_id(reply)

    listing = sqlite_app.reply("deadlines")
    assert (
        "Coming up" in listing
        and "Board paper &lt;draft&gt;" in listing
        and "working days left" in listing
    )

    new_due = due + timedelta(days=7)
    sqlite_app.command(f"deadline move {deadline_id} {_iso(new_due)} --time none")
    moved = slack.sent("chat.postMessage")[-1]["text"]
    assert f"from {format_date(due)} to {format_date(new_due)}" in moved
    assert f"#{deadline_id}` is done" in sqlite_app.reply(f"deadline done #{deadline_id}")
    assert "marked done" in slack.sent("chat.postMessage")[-1]["text"]
    assert "already done" in sqlite_app.reply(f"deadline cancel {deadline_id}")
    assert "Board paper" not in sqlite_app.reply("deadlines")
    everything = sqlite_app.reply("deadlines --all")
    assert "Past, done and cancelled" in everything and "(done)" in everything


def test_a_deadline_on_a_weekend_is_allowed_but_flagged(sqlite_app, slack):
    _setup(sqlite_app)
    saturday = _today() + timedelta(days=10)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    reply = sqlite_app.reply(f'deadline add "Weekend work" {_iso(saturday)}')
    assert "Added deadline" in reply and "is a Saturday, not a working day" in reply


def test_bad_deadline_input_gets_a_clear_reply_and_changes_nothing(sqlite_app, slack):
    _setup(sqlite_app)
    posts_before = len(slack.sent("chat.postMessage"))
    for text, expected in [
        ('deadline add "No date"', "date"),
        ('deadline add "Past" 2001-01-01', "in the past"),
        ('deadline add "Bad" 31/02/2030', "not a real date"),
        ('deadline add "Bad remind" 2030-01-07 --remind 7,soon', "--remind 14,7,1,0"),
        ('deadline add "Bad owner" 2030-01-07 --owner jane', "not a person"),
        ("deadline done x", "whole number"),
        ("deadline done 999", "no deadline or meeting #999"),
        ("deadline frobnicate", "Use one of: add, done"),
        ("deadline dnoe 3", "Did you mean `done`"),
        ('meeting add "HWBB" 2030-01-07', "start time"),
        ('meeting add "HWBB" 2030-01-07 --time 14:00 --end 13:00', "must be after"),
        ("deadlines soon", "only `--all`"),
    ]:
        reply = sqlite_app.reply(text)
        assert expected in reply, (text, reply)
    assert len(slack.sent("chat.postMessage")) == posts_before
    assert "Nothing coming up" in sqlite_app.reply("deadlines")


def test_only_admins_change_deadlines(sqlite_app, slack):
    _setup(sqlite_app)
    reply = sqlite_app.reply('deadline add "Mine" 2030-01-07', user="UOTHER")
    assert "Only the programme's admins" in reply and "<@UADMIN>" in reply
    deadline_id = _added_id(sqlite_app.reply('deadline add "Theirs" 2030-01-07'))
    assert "Only the programme's admins" in sqlite_app.reply(
        f"deadline done {deadline_id}", user="UOTHER"
    )
    assert "Only the programme's admins" in sqlite_app.reply(
        f"deadline move {deadline_id} 2030-01-08", user="UOTHER"
    )


def test_meetings_are_listed_with_deadlines(sqlite_app, slack):
    _setup(sqlite_app)
    day = _today() + timedelta(days=20)
    reply = sqlite_app.reply(
        f'meeting add "HWBB: draft plan" {_iso(day)} --time 14:00 --end 16:00 --place "Civic Centre"'
    )
    assert "Added meeting" in reply
    listing = sqlite_app.reply("deadlines")
    assert (
        f"Meeting `#{_added_id(reply)}` *HWBB: draft plan*: {format_date(day)}, 14:00\u201316:00, Civic Centre"
        in listing
    )
    with sqlite_app.services.new_uow() as uow:
        m = uow.deadlines.get(_added_id(reply))
        assert (m.kind, m.due_time, m.end_time, m.sequence) == ("meeting", "14:00", "16:00", 0)
    sqlite_app.command(
        f"meeting move {_added_id(reply)} {_iso(day + timedelta(days=1))} --time 15:00 --end 17:00"
    )
    with sqlite_app.services.new_uow() as uow:
        m = uow.deadlines.get(_added_id(reply))
        assert (m.due_time, m.end_time, m.sequence) == ("15:00", "17:00", 1)


def test_reminder_buttons_mark_done_and_snooze(sqlite_app, slack):
    _setup(sqlite_app)
    due = _today() + timedelta(days=30)
    reply = sqlite_app.reply(f'deadline add "Proforma" {_iso(due)} --owner <@UJANE> --remind 14')
    deadline_id = _added_id(reply)
    (day,) = reminders.reminder_days(due, (14,))
    at = reminders.reminder_time(day.on, "Europe/London")
    assert send_due_reminders(sqlite_app.services, at + timedelta(minutes=1)) == 2
    sent = slack.sent("chat.postMessage")[-2:]
    assert sorted(p["channel"] for p in sent) == ["C1", "UJANE"]
    assert all(p["metadata"]["event_type"] == "consult_delivery" for p in sent)
    buttons = sent[0]["blocks"][-1]["elements"]
    assert {b["action_id"] for b in buttons} == {"deadline_done", "deadline_snooze"}

    # Snooze: only the clicker's DM, the next working day.
    assert _button(sqlite_app, "deadline_snooze", deadline_id, "UOTHER", n=1).status == 200
    text = _responses(slack, "button1")[-1]["text"]
    assert "again on" in text and "09:00" in text
    next_day = day.on + timedelta(days=1)
    while not is_working_day(next_day):
        next_day += timedelta(days=1)

    # Someone who neither owns it nor administers the programme can't mark it done.
    _button(sqlite_app, "deadline_done", deadline_id, "UOTHER", n=2)
    refusal = _responses(slack, "button2")[-1]
    assert "Only the deadline's owners" in refusal["text"] and refusal.get("replace_original") in (
        False,
        "false",
        None,
    )

    # The owner can, from their DM: the message turns into a "done" note and the channel hears of it.
    posts_before = len(slack.sent("chat.postMessage"))
    _button(sqlite_app, "deadline_done", deadline_id, "UJANE", channel="DUJANE", n=3)
    done = _responses(slack, "button3")[-1]
    assert done.get("replace_original") in (True, "true") and "marked *Proforma*" in done["text"]
    slack.wait_for("chat.postMessage", posts_before + 1)
    assert slack.sent("chat.postMessage")[-1]["channel"] == "C1"
    with sqlite_app.services.new_uow() as uow:
        assert uow.deadlines.get(deadline_id).state == "done"
    # Done: the snoozed DM never comes.
    assert (
        send_due_reminders(sqlite_app.services, reminders.reminder_time(next_day, "Europe/London"))
        == 0
    )


def test_a_bad_button_value_gets_a_reply(sqlite_app, slack):
    _setup(sqlite_app)
    _button(sqlite_app, "deadline_done", "not-a-number", "UADMIN", n=9)
    assert "doesn't say which deadline" in _responses(slack, "button9")[-1]["text"]
    assert json.dumps(slack.sent("response")).count("Traceback") == 0
