"""The days a programme's dates may fall on, so that a mistyped year is refused, not stored.

An engagement or a response is not dated before the programme's span
begins: 1 January of its template's cycle year, or, for a programme set up
without a template, 1 January of the year before it was set up (so that
what happened before Consult was set up can still be logged). A deadline,
due date or vote's closing day is not more than YEARS_AHEAD years ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..dates import format_date
from ..errors import UsageError

if TYPE_CHECKING:
    from storage.models import Programme

YEARS_AHEAD = 5


@dataclass(frozen=True)
class Span:
    earliest: date
    latest: date
    since: str  # why it begins then, for the refusal


def programme_span(programme: Programme, today: date) -> Span:
    if programme.year:
        earliest, since = date(programme.year, 1, 1), f"the start of its {programme.year} cycle"
    else:
        set_up = (
            min(programme.created_at.astimezone(ZoneInfo(programme.timezone)).date(), today)
            if programme.created_at
            else today
        )
        earliest, since = date(set_up.year - 1, 1, 1), "the year before it was set up"
    latest = date(max(today.year, programme.year or 0) + YEARS_AHEAD, 12, 31)
    return Span(earliest, latest, since)


def check_in_span(day: date, programme: Programme, today: date, what: str) -> date:
    """`day`, if it is within the programme's span; otherwise a refusal that says the span.

    `what` names the date in the users' words ("An engagement", "A deadline").
    """
    span = programme_span(programme, today)
    if day < span.earliest:
        raise UsageError(
            f"{format_date(day)} is before this programme's dates begin: {what} can be dated "
            f"from {format_date(span.earliest)} ({span.since}). Check the year."
        )
    if day > span.latest:
        raise UsageError(
            f"{format_date(day)} is too far ahead: {what} can be dated up to "
            f"{format_date(span.latest)} ({YEARS_AHEAD} years from this year). Check the year."
        )
    return day
