"""Personal digests: when one is due, its period, and what it holds. Pure: no storage, no Slack.

A person's digest goes out at 09:00 in their timezone: `daily` on each working
day (not weekends or English bank holidays), `weekly` on their chosen day. It
is sent once per period (the day, or the ISO week), and only on its day: one
missed because Consult was down all day is not sent late the next day, when
the next one is near.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .dates import is_working_day

DAILY, WEEKLY = "daily", "weekly"
FREQUENCIES = (DAILY, WEEKLY)
SEND_AT = time(9, 0)
AHEAD = timedelta(days=14)  # deadlines and duties due within two weeks
KIND = "personal-digest"


def period_key(team_id: str, user_id: str, frequency: str, day: date) -> str:
    """The delivery ledger key: one per person per day (daily) or ISO week (weekly)."""
    if frequency == WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{KIND}:{team_id}:{user_id}:{year}-W{week:02d}"
    return f"{KIND}:{team_id}:{user_id}:{day.isoformat()}"


def local_now(now: datetime, tz: str) -> datetime:
    return now.astimezone(ZoneInfo(tz))


def due_on(frequency: str, weekday: int, moment: datetime) -> bool:
    """Whether the digest of the period containing `moment` (local) should have gone by now."""
    if moment.time() < SEND_AT:
        return False
    if frequency == DAILY:
        return is_working_day(moment.date())
    return moment.weekday() == weekday


def next_send(frequency: str, weekday: int, moment: datetime) -> datetime:
    """When the next one goes out (local), for telling people; today's if it is still ahead."""
    day = moment.date()
    for n in range(0, 15):
        d = day + timedelta(days=n)
        at = datetime.combine(d, SEND_AT, moment.tzinfo)
        if at < moment:
            continue
        if (frequency == DAILY and is_working_day(d)) or (
            frequency == WEEKLY and d.weekday() == weekday
        ):
            return at
    return datetime.combine(day + timedelta(days=7), SEND_AT, moment.tzinfo)


@dataclass(frozen=True)
class Line:
    programme: str
    text: str  # mrkdwn, user text already escaped
    on: date | None = None  # its date, when it has one


@dataclass
class PersonalDigest:
    """What one person has on their plate, across the workspace's programmes."""

    user_id: str
    today: date
    actions: list[Line] = field(default_factory=list)
    deadlines: list[Line] = field(default_factory=list)
    duties: list[Line] = field(default_factory=list)
    votes: list[Line] = field(default_factory=list)
    issues: list[Line] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.actions or self.deadlines or self.duties or self.votes or self.issues)

    @property
    def count(self) -> int:
        return sum(
            len(x) for x in (self.actions, self.deadlines, self.duties, self.votes, self.issues)
        )
