"""The one place the core reads the time (tests shift it with freezegun)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(timezone.utc)


def today_in(tz: str) -> date:
    return now().astimezone(ZoneInfo(tz)).date()
