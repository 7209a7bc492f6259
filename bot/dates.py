"""Dates the British way: read day-first, shown as `Wed 4 Mar 2015`, and working days."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

from .errors import UsageError

DATE_HELP = "Write dates day-first: 2015-03-04, 4 March 2015, 4 Mar 2015, 4/3/2015, today, tomorrow, next friday or in 10 days."
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_IN_N = re.compile(
    r"^in\s+(\d{1,4})\s+(day|days|week|weeks|working day|working days|month|months)$"
)
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDY = re.compile(
    r"^(?:[a-z]{3,9},?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?(?:,?\s+(\d{4}))?$"
)


def parse_date(text: str, today: date) -> date:
    """Read a date typed by a person. Raises UsageError with the accepted forms."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise UsageError(f"A date is missing. {DATE_HELP}")
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    if raw == "yesterday":
        return today - timedelta(days=1)
    m = _IN_N.match(raw)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit.startswith("working"):
            return add_working_days(today, n)
        if unit.startswith("week"):
            return today + timedelta(weeks=n)
        if unit.startswith("month"):
            return today + relativedelta(months=n)
        return today + timedelta(days=n)
    words = raw.split()
    if (
        len(words) in (1, 2)
        and words[-1] in WEEKDAYS
        and (len(words) == 1 or words[0] in ("next", "this"))
    ):
        target = WEEKDAYS.index(words[-1])
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    try:
        m = _ISO.match(raw)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _NUMERIC.match(raw)
        if m:
            year = int(m.group(3))
            year = year + 2000 if year < 100 else year
            return date(year, int(m.group(2)), int(m.group(1)))
        m = _WORDY.match(raw)
        if m:
            parsed = dateutil_parser.parse(
                f"{m.group(1)} {m.group(2)} {m.group(3) or today.year}", dayfirst=True
            )
            return parsed.date()
    except (ValueError, OverflowError):
        raise UsageError(f"{text.strip()!r} is not a real date. {DATE_HELP}") from None
    raise UsageError(f"I can't read {text.strip()!r} as a date. {DATE_HELP}")


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
