"""The one place the core reads the time (tests shift it with freezegun)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def today_in(tz: str) -> date:
    return now().astimezone(ZoneInfo(tz)).date()
