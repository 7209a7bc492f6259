"""The reminder schedule as pure rules, and the reminder message builders."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from blocks import reminders as blocks
from bot import reminders
from bot.errors import UsageError

UTC = UTC
LONDON = "Europe/London"


def days(due, remind=reminders.DEFAULT_REMIND_DAYS):
    return [(r.on, r.days_before) for r in reminders.reminder_days(due, remind)]


def test_default_reminders_of_the_expression_of_interest():
    assert days(date(2014, 6, 20)) == [
        (date(2014, 6, 6), (14,)),
        (date(2014, 6, 13), (7,)),
        (date(2014, 6, 19), (1,)),
        (date(2014, 6, 20), (0,)),
    ]


def test_christmas_moves_a_reminder_to_christmas_eve():
    # 14 days before Fri 9 Jan 2015 is Boxing Day; Christmas Day is a bank holiday too.
    assert days(date(2015, 1, 9))[0] == (date(2014, 12, 24), (14,))
    # 1 day before Mon 29 Dec 2014 is a Sunday; the 26th and 25th are bank holidays.
    assert days(date(2014, 12, 29), (1,)) == [(date(2014, 12, 24), (1,))]


def test_easter_merges_two_reminders_onto_maundy_thursday():
    # Mon 6 Apr 2015 is Easter Monday, Sun 5 Apr Easter Day, Fri 3 Apr Good Friday.
    assert days(date(2015, 4, 6), (1, 0)) == [(date(2015, 4, 2), (1, 0))]
    assert days(date(2015, 4, 7), (1, 0)) == [(date(2015, 4, 2), (1,)), (date(2015, 4, 7), (0,))]


def test_weekend_due_date_reminds_on_friday_once():
    assert days(date(2014, 11, 8), (1, 0)) == [(date(2014, 11, 7), (1, 0))]


def test_reminder_time_is_nine_local_across_the_clock_changes():
    assert reminders.reminder_time(date(2015, 3, 27), LONDON) == datetime(
        2015, 3, 27, 9, 0, tzinfo=UTC
    )
    assert reminders.reminder_time(date(2015, 3, 30), LONDON) == datetime(
        2015, 3, 30, 8, 0, tzinfo=UTC
    )
    assert reminders.reminder_time(date(2014, 10, 24), LONDON) == datetime(
        2014, 10, 24, 8, 0, tzinfo=UTC
    )
    assert reminders.reminder_time(date(2014, 10, 27), LONDON) == datetime(
        2014, 10, 27, 9, 0, tzinfo=UTC
    )
    assert reminders.reminder_time(date(2015, 10, 26), LONDON) == datetime(
        2015, 10, 26, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("14,7,1,0", (14, 7, 1, 0)),
        ("0,7", (7, 0)),
        ("3, 3", (3,)),
        ("none", ()),
        ("30", (30,)),
    ],
)
def test_parse_remind_days(text, expected):
    assert reminders.parse_remind_days(text) == expected


@pytest.mark.parametrize("text", ["x", "7,-1", "1.5", "400", ",", "seven"])
def test_bad_remind_days_say_how_to_write_them(text):
    with pytest.raises(UsageError) as e:
        reminders.parse_remind_days(text)
    assert "--remind 14,7,1,0" in e.value.message


def test_latest_due_picks_only_the_latest_missed_reminder():
    due = date(2015, 1, 9)
    created = datetime(2014, 12, 1, tzinfo=UTC)
    at = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert (
        reminders.latest_due(due, (14, 7, 1, 0), LONDON, at(2014, 12, 24, 8, 59), created) is None
    )
    assert reminders.latest_due(
        due, (14, 7, 1, 0), LONDON, at(2014, 12, 24, 9, 0), created
    ).on == date(2014, 12, 24)
    # Down from Christmas Eve morning to 3 January: only the 2 January one.
    day = reminders.latest_due(due, (14, 7, 1, 0), LONDON, at(2015, 1, 3, 10, 30), created)
    assert day.on == date(2015, 1, 2)
    assert reminders.is_late(day, LONDON, at(2015, 1, 3, 10, 30))
    assert not reminders.is_late(day, LONDON, at(2015, 1, 2, 9, 1))


def test_reminder_times_before_the_deadline_got_its_date_are_not_caught_up():
    due = date(2015, 2, 2)
    moved = datetime(2015, 1, 20, 12, 0, tzinfo=UTC)
    # 14 days before is Mon 19 Jan: before the move, so nothing is due on the 20th.
    assert (
        reminders.latest_due(
            due, (14, 7, 1, 0), LONDON, datetime(2015, 1, 20, 13, 0, tzinfo=UTC), moved
        )
        is None
    )
    assert reminders.latest_due(
        due, (14, 7, 1, 0), LONDON, datetime(2015, 1, 26, 9, 0, tzinfo=UTC), moved
    ).on == date(2015, 1, 26)


def test_long_past_deadlines_are_not_caught_up_after_long_downtime():
    due = date(2014, 6, 20)
    created = datetime(2014, 5, 1, tzinfo=UTC)
    late = datetime(2014, 6, 20, 9, tzinfo=UTC) + timedelta(days=reminders.CATCH_UP_DAYS + 1)
    assert reminders.latest_due(due, (14, 7, 1, 0), LONDON, late, created) is None


def test_the_key_names_the_due_date_so_a_moved_deadline_starts_afresh():
    a = reminders.reminder_key("reminder", 3, date(2015, 1, 30), date(2015, 1, 23), "C1")
    b = reminders.reminder_key("reminder", 3, date(2015, 2, 6), date(2015, 1, 23), "C1")
    assert a != b and "2015-01-30" in a and a.endswith(":C1")


def _deadline(**kw):
    values = dict(
        id=7,
        kind="deadline",
        title="Joint <proforma> & plan",
        due_on=date(2015, 1, 30),
        due_time=None,
        end_time=None,
        place=None,
        state="open",
    )
    values.update(kw)
    return SimpleNamespace(**values)


def test_reminder_says_what_when_how_long_and_who_with_buttons():
    d = _deadline(due_time="17:00")
    text = blocks.reminder_text(d, ["U1", "U2"], date(2015, 1, 23), None)
    assert "Joint &lt;proforma&gt; &amp; plan" in text
    assert "Fri 30 Jan 2015 at 17:00" in text and "5 working days left" in text
    assert "<@U1>, <@U2>" in text and "Late" not in text
    built = blocks.reminder_blocks(d, ["U1"], date(2015, 1, 23), None)
    buttons = built[-1]["elements"]
    assert [b["action_id"] for b in buttons] == [blocks.DONE_ACTION, blocks.SNOOZE_ACTION]
    assert {b["value"] for b in buttons} == {"7"}


def test_late_reminder_and_due_today_wording():
    d = _deadline()
    text = blocks.reminder_text(d, [], date(2015, 1, 30), "Fri 30 Jan 2015 09:00")
    assert "(today)" in text and "Late: this reminder was due Fri 30 Jan 2015 09:00" in text
    assert "nobody yet" in text
    assert "was due" in blocks.reminder_text(d, [], date(2015, 2, 2), None)


def test_meeting_reminders_have_no_done_button_and_show_place_and_times():
    m = _deadline(kind="meeting", due_time="14:00", end_time="16:00", place="Civic Centre")
    text = blocks.reminder_text(m, [], date(2015, 1, 29), None)
    assert "Fri 30 Jan 2015, 14:00\u201316:00, Civic Centre" in text and "Owners" not in text
    assert [
        b["action_id"]
        for b in blocks.reminder_blocks(m, [], date(2015, 1, 29), None)[-1]["elements"]
    ] == [blocks.SNOOZE_ACTION]


def test_a_provisional_date_says_so_in_the_reminder_with_how_to_confirm_it():
    d = _deadline(provisional=True, source="NHS England letter, 18 Dec 2014, Annex A")
    text = blocks.reminder_text(d, [], date(2027, 1, 25), None)
    assert "Fri 30 Jan 2015 (provisional: date to confirm)" in text
    assert "`/consult deadline confirm 7`" in text and "`/consult deadline move 7 <date>`" in text
    confirmed = blocks.reminder_text(_deadline(provisional=False), [], date(2015, 1, 23), None)
    assert "provisional" not in confirmed and "confirm" not in confirmed
