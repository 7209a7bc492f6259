"""When a deadline reminds people: pure rules, no storage, no Slack.

A reminder day is "N days before the due date". One that falls on a
weekend or an English bank holiday moves to the working day before it;
two that land on the same working day give one reminder. Reminders go out
at 09:00 in the programme's timezone (so 08:00 UTC in summer, 09:00 UTC in
winter in London).

Catch-up: only the latest reminder whose time has passed counts. A bot
that was down over several reminder days posts just the latest, marked
late; the earlier ones are never posted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .dates import local_to_utc, working_day_on_or_before
from .errors import UsageError

REMINDER_TIME = "09:00"
DEFAULT_REMIND_DAYS = (14, 7, 1, 0)
MEETING_REMIND_DAYS = (1, 0)
# Follow-up actions remind their owner the working day before and on the day due.
ACTION_REMIND_DAYS = (1, 0)
MAX_REMIND_DAYS = 366
# A reminder sent this long after its time says it is late.
LATE_AFTER = timedelta(minutes=15)
# After downtime, deadlines that fell due longer ago than this are not reminded of.
CATCH_UP_DAYS = 14
REMIND_HELP = "Give reminder days as days before the due date, separated by commas, e.g. `--remind 14,7,1,0` (0 is the day itself), or `--remind none`."


@dataclass(frozen=True)
class ReminderDay:
    """One reminder: the working day it is sent on, and the day counts it stands for."""

    on: date
    days_before: tuple[int, ...]


def parse_remind_days(text: str) -> tuple[int, ...]:
    """`14,7,1,0` -> (14, 7, 1, 0); `none` -> (). Raises UsageError on anything else."""
    raw = text.strip().lower()
    if raw in ("none", "off", "no"):
        return ()
    days: set[int] = set()
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise UsageError(f"{part!r} is not a number of days. {REMIND_HELP}")
        n = int(part)
        if n > MAX_REMIND_DAYS:
            raise UsageError(
                f"Reminders can start at most {MAX_REMIND_DAYS} days before, not {n}. {REMIND_HELP}"
            )
        days.add(n)
    if not days:
        raise UsageError(f"No reminder days given. {REMIND_HELP}")
    return tuple(sorted(days, reverse=True))


def format_remind_days(days: tuple[int, ...] | list[int]) -> str:
    return ",".join(str(d) for d in days)


def stored_remind_days(text: str | None) -> tuple[int, ...]:
    """The deadline table's `remind_days` column ("" means no reminders)."""
    if not text:
        return ()
    return tuple(sorted({int(p) for p in text.split(",") if p.strip().isdigit()}, reverse=True))


def reminder_days(due_on: date, remind_days: Iterable[int]) -> list[ReminderDay]:
    """The days a deadline reminds on, earliest first, moved off non-working days and merged."""
    merged: dict[date, list[int]] = {}
    for n in remind_days:
        on = working_day_on_or_before(due_on - timedelta(days=n))
        merged.setdefault(on, []).append(n)
    return [ReminderDay(on, tuple(sorted(ns, reverse=True))) for on, ns in sorted(merged.items())]


def reminder_time(on: date, tz: str) -> datetime:
    """09:00 local on a reminder day, as aware UTC."""
    return local_to_utc(on, REMINDER_TIME, tz)


def latest_due(
    due_on: date, remind_days: Iterable[int], tz: str, now: datetime, since: datetime | None = None
) -> ReminderDay | None:
    """The reminder to send now, if any: the latest whose 09:00 has passed.

    `since` is when the deadline got its current date (created or moved):
    reminder times before it never existed for this date, so they are not
    caught up. Deadlines due long ago are left alone after downtime.
    """
    latest = None
    for day in reminder_days(due_on, remind_days):
        at = reminder_time(day.on, tz)
        if at > now:
            break
        if since is not None and at < since:
            continue
        latest = day
    if latest is None:
        return None
    if (now - reminder_time(latest.on, tz)) > timedelta(days=CATCH_UP_DAYS):
        return None
    return latest


def is_late(day: ReminderDay, tz: str, now: datetime) -> bool:
    return now - reminder_time(day.on, tz) > LATE_AFTER


def reminder_key(kind: str, item_id: int, due_on: date, on: date, recipient: str) -> str:
    """The delivery ledger's key: the item, its current due date, the reminder day, the recipient.

    The due date is in the key so a moved deadline never counts the old
    date's reminders as sent, and the old date's reminders never go out.
    """
    return f"{kind}:{item_id}:{due_on.isoformat()}:{on.isoformat()}:{recipient}"
