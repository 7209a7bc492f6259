"""The weekly digest's rules, with no storage and no Slack.

When a programme's digest is due, the exact window it reports (the 7 days
before the scheduled local time, so consecutive digests neither overlap nor
leave a gap, across clock changes too), what it says, and its headline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .dates import WEEKDAYS
from .stakeholder_types import TYPE_LABELS

if TYPE_CHECKING:
    from .coverage import TypeCoverage
    from .votes import Forecast, Tally

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:00"
WINDOW_DAYS = 7
COVERAGE_DAYS = 30  # "not engaged" means no engagement in this many days, as `/consult coverage`
DEADLINE_DAYS = 21  # deadlines in the next 3 weeks
NOT_ENGAGED_SHOWN = 10  # names per stakeholder type before "and N more"
LOGGERS_SHOWN = 3
LATE_AFTER = timedelta(minutes=15)  # posted later than this after the scheduled time: marked late


# A position given by an engagement, as storage reads it for the digest:
# (stakeholder_id, occurred_on, logged_at, engagement_id, position).
PositionRow = tuple[int, date, datetime, int, str]
# stakeholder_id -> (name, code, type), for stakeholders still in the register.
StakeholderNames = dict[int, tuple[str, str | None, str]]


# -- when --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    weekday: int = DEFAULT_WEEKDAY
    time: str = DEFAULT_TIME  # "HH:MM", local
    timezone: str = "Europe/London"
    enabled: bool = True

    def describe(self) -> str:
        if not self.enabled:
            return "off"
        return f"every {WEEKDAYS[self.weekday].capitalize()} at {self.time} ({self.timezone})"


def local_at(day: date, hhmm: str, tz: str) -> datetime:
    """A wall-clock time on a local day, as an aware local datetime.

    A time that does not exist (inside the spring-forward gap) comes out as the
    real instant just after the gap, so it still happens once that day.
    """
    hour, minute = (int(x) for x in hhmm.split(":"))
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, time(hour, minute), zone)
    return naive.astimezone(UTC).astimezone(zone)


def scheduled_this_week(schedule: Schedule, now: datetime) -> datetime:
    """The scheduled local time in the (local, Monday-to-Sunday) week that contains `now`."""
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    monday = today - timedelta(days=today.weekday())
    return local_at(monday + timedelta(days=schedule.weekday), schedule.time, schedule.timezone)


def week_of(scheduled: datetime) -> str:
    """The ISO week a digest belongs to, e.g. `2015-W10`: the delivery key, once a week."""
    year, week, _ = scheduled.date().isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Window:
    """[start, end): the 7 days before `end`, measured in local wall-clock time."""

    start: datetime  # aware UTC
    end: datetime  # aware UTC
    timezone: str

    @property
    def start_local(self) -> datetime:
        return self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def end_local(self) -> datetime:
        return self.end.astimezone(ZoneInfo(self.timezone))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def window_before(end: datetime, tz: str) -> Window:
    """The 7 local days before `end`: same wall-clock time a week earlier.

    Across a clock change this is 167 or 169 hours, which is what makes one
    digest's start exactly the previous digest's end.
    """
    end_local = end.astimezone(ZoneInfo(tz))
    start_local = local_at(end_local.date() - timedelta(days=WINDOW_DAYS), f"{end_local:%H:%M}", tz)
    start_local = start_local.replace(second=end_local.second, microsecond=end_local.microsecond)
    return Window(start_local.astimezone(UTC), end.astimezone(UTC), tz)


DUE, NOT_YET, MISSED, OFF = "due", "not yet", "missed", "off"


def status(schedule: Schedule, now: datetime) -> str:
    """Whether this week's digest should go out now.

    Due from the scheduled time until the end of that local day (so a digest
    missed while the bot was down still goes out when it comes back that day);
    after that day it is missed and waits for next week.
    """
    if not schedule.enabled:
        return OFF
    scheduled = scheduled_this_week(schedule, now)
    if now < scheduled:
        return NOT_YET
    if now.astimezone(ZoneInfo(schedule.timezone)).date() == scheduled.date():
        return DUE
    return MISSED


def is_late(scheduled: datetime, now: datetime) -> bool:
    return now - scheduled > LATE_AFTER


_WEEKDAY_ALIASES = {"weds": 2, "tues": 1, "thur": 3, "thurs": 3}


def parse_weekday(text: str) -> int | None:
    """`monday`, `Mon`, `mondays`, `tues`, `weds`... -> 0..6, or None."""
    word = text.strip().lower().rstrip(".")
    if word.endswith("days"):
        word = word[:-1]
    if word in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[word]
    for i, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    return None


# -- what ----------------------------------------------------------------------------------------


@dataclass
class TypeActivity:
    type: str
    stakeholders: int  # distinct stakeholders engaged
    engagements: int

    @property
    def label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)


@dataclass
class PositionChange:
    name: str
    code: str | None
    type: str
    before: str | None  # None: no position recorded before
    after: str


@dataclass
class UpcomingDeadline:
    title: str
    kind: str  # deadline | meeting
    due_on: date
    due_time: str | None
    working_days_left: int
    owners: list[str] = field(default_factory=list)
    provisional: bool = False  # a template date not confirmed yet
    suggestion: str | None = None  # one organisation's own date, offered as a suggestion


@dataclass
class VoteStanding:
    """An open vote as the digest shows it; the figures are bot.votes' own tally and forecast."""

    question: str
    closes_at: datetime
    working_days_left: int
    tally: Tally
    forecast: Forecast | None  # None for an aggregate count

    @property
    def turnout_percent(self) -> int:
        return round(self.tally.deciding.turnout_percent) if self.tally.deciding else 0


@dataclass
class Overdue:
    kind: str  # action | duty | deadline
    ref: int
    title: str
    owner: str | None
    due_on: date
    working_days_late: int
    provisional: bool = False
    group: str | None = None  # duties: their kind's heading (statutory, guidance...)


@dataclass
class IssueLine:
    """An issue raised, as the digest shows it."""

    id: int
    name: str
    stakeholders: int
    engagements: int
    first_raised_on: date | None
    days_waiting: int | None = None  # since first raised, for those awaiting an answer


@dataclass
class Digest:
    programme: str
    timezone: str
    window: Window
    as_of: date  # local day the digest speaks for
    late: bool = False
    engagements: int = 0
    activity: list[TypeActivity] = field(default_factory=list)
    top_loggers: list[tuple[str, int]] = field(default_factory=list)
    position_changes: list[PositionChange] = field(default_factory=list)
    not_engaged: list[TypeCoverage] = field(default_factory=list)  # with someone not engaged
    deadlines: list[UpcomingDeadline] = field(default_factory=list)
    votes: list[VoteStanding] = field(default_factory=list)
    overdue_actions: list[Overdue] = field(default_factory=list)
    overdue_duties: list[Overdue] = field(default_factory=list)
    overdue_deadlines: list[Overdue] = field(default_factory=list)
    new_issues: list[IssueLine] = field(default_factory=list)  # added this week
    waiting_issues: list[IssueLine] = field(default_factory=list)  # raised by many, unanswered
    engaged_recently: int = 0  # stakeholders engaged within COVERAGE_DAYS
    stakeholders: int = 0
    open_duties: int = 0
    # Open deadlines and duties whose dates had passed before the programme was set up: never
    # the programme's to meet, so not overdue; counted here, listed by `deadlines --all`.
    before_start: int = 0
    began_on: date | None = None
    coverage: object = (
        None  # bot.coverage.CoverageReport the counts above come from (the charts too)
    )
    # The earliest entry in the window (an engagement logged, an issue added): while it is
    # still inside a later window and nothing was written, that window says the same.
    earliest: datetime | None = None

    @property
    def coverage_percent(self) -> int | None:
        return percent(self.engaged_recently, self.stakeholders) if self.stakeholders else None


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def headline(d: Digest) -> str:
    """One short line: what most needs the team's attention this week."""
    parts: list[str] = []
    practices = next((t for t in d.not_engaged if t.type == "practice"), None)
    if practices and practices.not_engaged:
        n = len(practices.not_engaged)
        noun = "practice" if n == 1 else "practices"
        if all(m.last_engaged is None for m in practices.not_engaged):
            parts.append(f"{n:,} {noun} not yet engaged")
        else:
            parts.append(f"{n:,} {noun} not engaged in {COVERAGE_DAYS} days")
    if d.votes:
        v = min(d.votes, key=lambda v: v.closes_at)
        parts.append(f"{vote_closes(v.working_days_left)}; turnout {v.turnout_percent}%")
    elif d.deadlines:
        parts.append(f"next deadline {in_working_days(d.deadlines[0].working_days_left)}")
    overdue = len(d.overdue_actions) + len(d.overdue_duties) + len(d.overdue_deadlines)
    if overdue:
        parts.append(f"{overdue:,} overdue")
    if d.waiting_issues:
        n = len(d.waiting_issues)
        parts.append(f"{n:,} issue{'s' if n != 1 else ''} raised by many awaiting an answer")
    if not parts:
        parts.append(
            f"{d.engagements:,} engagement{'s' if d.engagements != 1 else ''} logged this week"
            if d.engagements
            else "a quiet week: nothing logged and nothing due"
        )
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def in_working_days(n: int) -> str:
    if n == 0:
        return "today"
    if n == 1:
        return "in 1 working day"
    if n < 0:
        return f"{-n:,} working day{'s' if n != -1 else ''} ago"
    return f"in {n:,} working days"


def vote_closes(n: int) -> str:
    if n < 0:
        return "vote past its closing day, closing now"
    return f"vote closes {in_working_days(n)}"


def position_changes(
    rows: Iterable[PositionRow], window: Window, names: StakeholderNames
) -> list[PositionChange]:
    """rows: (stakeholder_id, occurred_on, logged_at, engagement_id, position), logged before the window's end:
    at least every position given in the window and each stakeholder's latest one before it.

    A stakeholder's position is the one of its latest engagement (by the date it
    happened, then by engagement), as the engagement log defines it. A change is
    notable when the position at the window's end differs from the one at its start.
    """
    before: dict[int, tuple[tuple[date, int], str]] = {}
    after: dict[int, tuple[tuple[date, int], str]] = {}
    for sid, occurred_on, logged_at, eid, position in rows:
        order = (occurred_on, eid)
        if logged_at < window.start and (sid not in before or order > before[sid][0]):
            before[sid] = (order, position)
        if logged_at < window.end and (sid not in after or order > after[sid][0]):
            after[sid] = (order, position)
    changes = []
    for sid, (_, now_position) in after.items():
        was = before.get(sid, (None, None))[1]
        if was != now_position and sid in names:
            name, code, type_ = names[sid]
            changes.append(PositionChange(name, code, type_, was, now_position))
    # Oppose first (most in need of a conversation), then support, then the rest.
    rank = {"oppose": 0, "support": 1, "undecided": 2, "neutral": 3}
    return sorted(changes, key=lambda c: (rank.get(c.after, 9), c.name.lower()))


# -- words -----------------------------------------------------------------------------------------


def days_left(n: int) -> str:
    if n <= 0:
        return "due today" if n == 0 else f"{-n:,} working day{'s' if n != -1 else ''} late"
    return f"{n:,} working day{'s' if n != 1 else ''} left"


def late_by(n: int) -> str:
    if n <= 0:
        return "just past its date"
    return f"{n:,} working day{'s' if n != 1 else ''} late"


OUTCOME_WORDS = {
    "carried": "carried",
    "not carried": "not carried",
    "tie": "a tie, so not carried",
    "no quorum": "no result (quorum not met)",
    "no electorate": "no result (empty electorate)",
}


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)
