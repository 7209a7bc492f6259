"""The one place the core reads the time (tests shift it with freezegun)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


class _Zoned(Protocol):
    @property
    def timezone(self) -> str: ...


def began_on(programme: _Zoned) -> date | None:
    """The day (in its timezone) a programme was set up: dates before it had passed already."""
    created = getattr(programme, "created_at", None)
    return created.astimezone(ZoneInfo(programme.timezone)).date() if created else None


def today_in(tz: str, at: datetime | None = None) -> date:
    """The date in timezone `tz` (a programme's) now, or at the moment `at` (a sweep's)."""
    return (at or now()).astimezone(ZoneInfo(tz)).date()
