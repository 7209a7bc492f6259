from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import (
    add_working_days,
    format_date,
    is_working_day,
    local_to_utc,
    non_working_reason,
    noting,
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


# Every form the README lists, as people type them: each one read to the day it means.
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


WRITTEN = {
    "2015-03-04": lambda d: f"{d:%Y-%m-%d}",
    "4 March 2015": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "4 Mar 2015": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "4th March 2015": lambda d: f"{_ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}",
    "March 4, 2015": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "4/3/2015": lambda d: f"{d.day}/{d.month}/{d.year}",
    "04/03/2015": lambda d: f"{d:%d/%m/%Y}",
    "4.3.2015": lambda d: f"{d.day}.{d.month}.{d.year}",
    "4-3-2015": lambda d: f"{d.day}-{d.month}-{d.year}",
    "4/3/15": lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}",
    "Wed 4 March 2015": lambda d: f"{DAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1]} {d.year}",
    "Wednesday 4th March 2015": lambda d: (
        f"{DAYS[d.weekday()]} {_ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}"
    ),
}
CASES = [str, str.lower, str.upper]


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(sorted(WRITTEN)),
    st.sampled_from(CASES),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_every_written_form_reads_as_the_day_it_means(day, form, case, today):
    assert parse_date(case(WRITTEN[form](day)), today) == day


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(1, 6),
    st.sampled_from(["Wed 4 March 2015", "Wednesday 4th March 2015"]),
)
def test_a_weekday_that_disagrees_with_the_date_is_refused(day, off, form):
    wrong = day + timedelta(days=off)
    text = WRITTEN[form](wrong).split(" ", 1)[0] + " " + WRITTEN[form](day).split(" ", 1)[1]
    with pytest.raises(UsageError, match=f"is a {DAYS[day.weekday()]}, not a"):
        parse_date(text, day)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.booleans(),
)
def test_a_date_without_a_year(day, today, past):
    text = f"{day.day} {MONTHS[day.month - 1]}"
    this_year = _valid(today.year, day.month, day.day)
    if past:
        expected = max(
            d
            for y in range(today.year - 8, today.year + 1)
            if (d := _valid(y, day.month, day.day))
            if d <= today
        )
    else:
        expected = this_year
    if expected is None:  # 29 February in a year that has none
        with pytest.raises(UsageError, match="not a real date"):
            parse_date(text, today, past=past)
    else:
        assert parse_date(text, today, past=past) == expected


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.booleans(),
)
def test_a_weekday_without_a_year_is_the_nearest_year_it_agrees_with(day, today, past):
    text = f"{DAYS[day.weekday()]} {_ordinal(day.day)} {MONTHS[day.month - 1]}"
    with noting() as notes:
        found = parse_date(text, today, past=past)
    assert (found.day, found.month, found.weekday()) == (day.day, day.month, day.weekday())
    if past:
        assert found <= today
    # No year nearer to today has that day on that weekday.
    for year in range(today.year - 40, today.year + 41):
        other = _valid(year, day.month, day.day)
        if other and other.weekday() == day.weekday() and not (past and other > today):
            assert abs((other - today).days) >= abs((found - today).days)
    # The reply says which year, when it is not this one.
    assert bool(notes) == (found.year != today.year)
    if notes:
        assert str(found.year) in notes[0]


def _nth_weekday(today: date, weekday: int, step: int) -> date:
    d = today + timedelta(days=step)
    while d.weekday() != weekday:
        d += timedelta(days=step)
    return d


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 999),
    st.integers(0, 6),
    st.sampled_from(CASES),
)
def test_relative_forms_count_from_today(today, n, weekday, case):
    name = DAYS[weekday]
    expected = {
        "today": today,
        "yesterday": today - timedelta(days=1),
        "tomorrow": today + timedelta(days=1),
        f"in {n} days": today + timedelta(days=n),
        f"in {n} weeks": today + timedelta(days=7 * n),
        f"{n} days ago": today - timedelta(days=n),
        f"{n} weeks ago": today - timedelta(days=7 * n),
        "in a week": today + timedelta(days=7),
        "a week ago": today - timedelta(days=7),
        f"next {name}": _nth_weekday(today, weekday, 1),
        f"{name}": _nth_weekday(today, weekday, 1),
        f"{name[:3]}": _nth_weekday(today, weekday, 1),
        f"last {name}": _nth_weekday(today, weekday, -1),
        f"last {name[:3]}": _nth_weekday(today, weekday, -1),
    }
    for text, day in expected.items():
        assert parse_date(case(text), today) == day, text


@pytest.mark.parametrize(
    "text",
    ["last", "3 days", "ago", "next month", "30 February", "Fri 30 February", "Fri 4 Marhc 2015"],
)
def test_what_is_not_a_date_is_refused_not_guessed(text):
    with pytest.raises(UsageError):
        parse_date(text, TODAY)
