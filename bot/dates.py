"""Dates the British way: read day-first, shown as `Wed 4 Mar 2015`, and working days."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

from .errors import UsageError

DATE_HELP = (
    "Write dates day-first: 2015-03-04, 4 March 2015, 4 Mar 2015, 4/3/2015, Wed 4 March 2015, "
    "today, yesterday, tomorrow, next friday, last tuesday, in 10 days, in 2 weeks or 3 days ago."
)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Weekday and month names as people shorten them.
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name[:3]: i for i, name in enumerate(WEEKDAYS)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NAMES = {
    **{name: i + 1 for i, name in enumerate(_MONTHS)},
    **{name[:3]: i + 1 for i, name in enumerate(_MONTHS)},
    "sept": 9,
}
_COUNT = r"(\d{1,4}|a|an|one)"
_UNIT = r"(day|days|week|weeks|working day|working days|month|months)"
_IN_N = re.compile(rf"^in\s+{_COUNT}\s+{_UNIT}$")
_N_AGO = re.compile(rf"^{_COUNT}\s+{_UNIT}\s+ago$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3,9})\.?(?:,?\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_LEADING_WEEKDAY = re.compile(r"^([a-z]{3,9})\.?,?\s+(.*)$")
# How far to look for a year in which a day and month fall on the weekday given.
_WEEKDAY_YEARS = 40

# What the reader had to decide for the person (a year from a weekday), said in the reply.
_notes: ContextVar[list[str] | None] = ContextVar("date_notes", default=None)


@contextmanager
def noting() -> Iterator[list[str]]:
    """Collect, for the reply, what the date reader decided while reading."""
    notes: list[str] = []
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def _note(text: str) -> None:
    notes = _notes.get()
    if notes is not None and text not in notes:
        notes.append(text)


def _count(text: str) -> int:
    return 1 if text in ("a", "an", "one") else int(text)


def _shift(today: date, n: int, unit: str) -> date:
    if unit.startswith("working"):
        return add_working_days(today, n)
    if unit.startswith("week"):
        return today + timedelta(weeks=n)
    if unit.startswith("month"):
        return today + relativedelta(months=n)
    return today + timedelta(days=n)


def parse_date(text: str, today: date, *, past: bool = False) -> date:
    """Read a date typed by a person. Raises UsageError with the accepted forms.

    `past` is for days that have happened (an engagement, a response): a
    date written without a year is then the last one on or before today.
    """
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise UsageError(f"A date is missing. {DATE_HELP}")
    try:
        day = _relative(raw, today)
        if day is None:
            day = _absolute(raw, today, past)
        if day is None:
            m = _LEADING_WEEKDAY.match(raw)
            if m and m.group(1) in _WEEKDAY_NAMES:
                day = _with_weekday(_WEEKDAY_NAMES[m.group(1)], m.group(2), today, text, past)
    except (ValueError, OverflowError):
        raise UsageError(f"{text.strip()!r} is not a real date. {DATE_HELP}") from None
    if day is None:
        raise UsageError(f"I can't read {text.strip()!r} as a date. {DATE_HELP}")
    return day


def looks_like_date(text: str) -> bool:
    """Whether words are written as a date at all (a real one or not), for the grammar."""
    with noting():
        try:
            parse_date(text, date(2000, 1, 1))
        except UsageError as e:
            return not e.message.startswith(("I can't read", "A date is missing"))
    return True


def _relative(raw: str, today: date) -> date | None:
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    if raw == "yesterday":
        return today - timedelta(days=1)
    m = _IN_N.match(raw)
    if m:
        return _shift(today, _count(m.group(1)), m.group(2))
    m = _N_AGO.match(raw)
    if m:
        return _shift(today, -_count(m.group(1)), m.group(2))
    words = raw.split()
    if len(words) in (1, 2) and words[-1] in _WEEKDAY_NAMES:
        if len(words) == 2 and words[0] not in ("next", "this", "last"):
            return None
        target = _WEEKDAY_NAMES[words[-1]]
        if words[0] == "last":
            return today - timedelta(days=(today.weekday() - target) % 7 or 7)
        return today + timedelta(days=(target - today.weekday()) % 7 or 7)
    return None


def _day_month_year(raw: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) of a date written out, or None if it isn't one."""
    m = _ISO.match(raw)
    if m:
        return int(m.group(3)), int(m.group(2)), int(m.group(1))
    m = _NUMERIC.match(raw)
    if m:
        year = int(m.group(3))
        return int(m.group(1)), int(m.group(2)), year + 2000 if year < 100 else year
    m = _DAY_MONTH.match(raw)
    if m and m.group(2) in _MONTH_NAMES:
        return int(m.group(1)), _MONTH_NAMES[m.group(2)], int(m.group(3)) if m.group(3) else None
    m = _MONTH_DAY.match(raw)
    if m and m.group(1) in _MONTH_NAMES:
        return int(m.group(2)), _MONTH_NAMES[m.group(1)], int(m.group(3)) if m.group(3) else None
    return None


def _absolute(raw: str, today: date, past: bool) -> date | None:
    parts = _day_month_year(raw)
    if parts is None:
        return None
    day, month, year = parts
    if year is not None:
        return date(year, month, day)
    if past and (month, day) > (today.month, today.day):
        for back in range(1, 9):  # 29 February: the last leap year's
            try:
                return date(today.year - back, month, day)
            except ValueError:
                continue
    return date(today.year, month, day)


def _with_weekday(weekday: int, rest: str, today: date, text: str, past: bool) -> date | None:
    """`Friday 15th January [2027]`: the weekday must agree with the date.

    Without a year, the nearest year in which it does (and the reply says so).
    """
    parts = _day_month_year(rest)
    if parts is None:
        return None
    day, month, year = parts
    if year is not None:
        found = date(year, month, day)
        if found.weekday() != weekday:
            raise UsageError(
                f"{format_date(found)[4:]} is a {found:%A}, not a {WEEKDAYS[weekday].title()}: "
                "check the date, or leave the weekday out."
            )
        return found
    date(2000, month, day)  # a leap year: refuses 30 February, allows 29 February
    candidates = []
    for y in range(today.year - _WEEKDAY_YEARS, today.year + _WEEKDAY_YEARS + 1):
        try:
            candidate = date(y, month, day)
        except ValueError:  # 29 February outside a leap year
            continue
        if candidate.weekday() == weekday and not (past and candidate > today):
            candidates.append(candidate)
    if not candidates:
        raise UsageError(
            f"{day} {_MONTHS[month - 1].title()} is not a {WEEKDAYS[weekday].title()} in any "
            f"year near {today.year}: check the date, or leave the weekday out."
        )
    found = min(candidates, key=lambda c: (abs((c - today).days), c < today))
    if found.year != today.year:
        _note(
            f"{day} {_MONTHS[month - 1].title()} is a {WEEKDAYS[weekday].title()} in "
            f"{found.year}, so I read {text.strip()!r} as {format_date(found)}."
        )
    return found


def parse_time(text: str) -> str:
    """`17:00`, `9:30`, `5pm` -> "HH:MM"."""
    raw = text.strip().lower().replace(".", ":")
    m = re.match(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", raw)
    if m:
        hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
        if half:
            if not 1 <= hour <= 12:
                m = None
            else:
                hour = hour % 12 + (12 if half == "pm" else 0)
        if m and 0 <= hour < 24 and 0 <= minute < 60:
            return f"{hour:02d}:{minute:02d}"
    raise UsageError(f"I can't read {text.strip()!r} as a time. Write it as 17:00 or 9:30.")


def format_date(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def format_datetime(dt: datetime, tz: str) -> str:
    local = dt.astimezone(ZoneInfo(tz))
    return f"{format_date(local.date())} {local:%H:%M}"


def local_to_utc(d: date, hhmm: str, tz: str) -> datetime:
    """A local wall-clock time on a day, as an aware UTC datetime (DST-correct)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(d, time(hour, minute), ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    # Building a year's calendar is slow (about a millisecond); lists call this per row.
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(d: date) -> bool:
    return d in _bank_holidays(d.year)


def bank_holiday_name(d: date) -> str | None:
    return _bank_holidays(d.year).get(d)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and not is_bank_holiday(d)


def working_day_on_or_before(d: date) -> date:
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_working_day(d):
            remaining -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative if end is before start)."""
    if end < start:
        return -working_days_between(end, start)
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if is_working_day(d):
            count += 1
    return count


BEFORE_START = "passed before the programme began"


def passed_before_start(due_on: date | None, began_on: date | None) -> bool:
    """A date that had passed before the programme was set up (a mid-cycle start, or a past
    cycle): it was never the programme's to meet, so it is not overdue."""
    return due_on is not None and began_on is not None and due_on < began_on


def time_left(due_on: date, today: date, began_on: date | None = None) -> str:
    """How far off a due date is, counted the one way every view counts it: in working days
    (`today`, `1 working day left`, `12 working days left`, `3 working days overdue`), or
    `passed before the programme began` for a date before the programme was set up."""
    if passed_before_start(due_on, began_on):
        return BEFORE_START
    if due_on == today:
        return "today"
    n = working_days_between(today, due_on)
    if due_on > today:
        return f"{n:,} working day{'s' if n != 1 else ''} left" if n else "no working days left"
    return f"{-n:,} working day{'s' if n != -1 else ''} overdue" if n else "just past"


def non_working_reason(d: date) -> str | None:
    """Why a day is not a working day, for flagging deadlines set on one."""
    if d.weekday() >= 5:
        return f"a {d:%A}"
    name = bank_holiday_name(d)
    return f"a bank holiday ({name})" if name else None
