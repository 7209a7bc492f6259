from datetime import UTC, date, datetime

import pytest

from bot.dates import (
    add_working_days,
    format_date,
    is_working_day,
    local_to_utc,
    non_working_reason,
    parse_date,
    parse_time,
    working_day_on_or_before,
    working_days_between,
)
from bot.errors import UsageError

TODAY = date(2014, 11, 20)  # a Thursday


@pytest.mark.parametrize(
    "text",
    [
        "2015-03-04",
        "4 March 2015",
        "4 Mar 2015",
        "4/3/2015",
        "04/03/2015",
        "Wed 4 March 2015",
        "4th March 2015",
        "4.3.2015",
        "4/3/15",
    ],
)
def test_day_first_forms_all_mean_4_march_2015(text):
    assert parse_date(text, TODAY) == date(2015, 3, 4)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("today", TODAY),
        ("tomorrow", date(2014, 11, 21)),
        ("next friday", date(2014, 11, 21)),
        ("friday", date(2014, 11, 21)),
        ("next thursday", date(2014, 11, 27)),
        ("in 10 days", date(2014, 11, 30)),
        ("in 2 weeks", date(2014, 12, 4)),
        ("4 March", date(2014, 3, 4)),
    ],
)
def test_relative_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31/2/2015", "32 March 2015", "soon", "", "2015-13-01"])
def test_bad_dates_say_how_to_write_them(text):
    with pytest.raises(UsageError, match="day-first"):
        parse_date(text, TODAY)


def test_format():
    assert format_date(date(2015, 3, 4)) == "Wed 4 Mar 2015"


def test_times():
    assert parse_time("17:00") == "17:00"
    assert parse_time("9:30") == "09:30"
    assert parse_time("5pm") == "17:00"
    with pytest.raises(UsageError):
        parse_time("25:00")


def test_working_days_know_english_bank_holidays():
    assert not is_working_day(date(2014, 12, 25))  # Christmas
    assert not is_working_day(date(2015, 4, 3))  # Good Friday
    assert not is_working_day(date(2015, 4, 6))  # Easter Monday
    assert is_working_day(date(2015, 4, 7))
    assert working_day_on_or_before(date(2014, 12, 28)) == date(2014, 12, 24)
    assert add_working_days(date(2014, 12, 24), 1) == date(2014, 12, 29)
    assert working_days_between(date(2015, 4, 2), date(2015, 4, 7)) == 1
    assert working_days_between(date(2015, 4, 7), date(2015, 4, 2)) == -1
    assert non_working_reason(date(2014, 6, 21)) == "a Saturday"
    assert "Christmas" in non_working_reason(date(2014, 12, 25))
    assert non_working_reason(date(2014, 6, 20)) is None


def test_nine_local_is_eight_utc_in_summer_and_nine_in_winter():
    assert local_to_utc(date(2014, 6, 20), "09:00", "Europe/London") == datetime(
        2014, 6, 20, 8, 0, tzinfo=UTC
    )
    assert local_to_utc(date(2015, 1, 9), "09:00", "Europe/London") == datetime(
        2015, 1, 9, 9, 0, tzinfo=UTC
    )
