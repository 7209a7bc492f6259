"""The weekly digest: what it says and when it is due.

Use cases: `show_digest` (`/consult digest now`), `schedule_digest` /
`stop_digest` / `digest_settings`, `follow_digest` / `unfollow_digest`
(roll-ups). For the sweep (jobs/digests.py, which posts what blocks/digest.py
builds): `digests_due`, `compose_due`, `sent_delivery`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .. import clock, programme_templates, votes
from .. import duties as duty_rules
from .. import raised_issues as issue_rules
from ..context import Actor
from ..coverage import PositionShare
from ..dates import format_date, passed_before_start, working_days_between
from ..digest import (
    COVERAGE_DAYS,
    DEADLINE_DAYS,
    DUE,
    LOGGERS_SHOWN,
    MISSED,
    Digest,
    IssueLine,
    Overdue,
    Schedule,
    TypeActivity,
    UpcomingDeadline,
    VoteStanding,
    Window,
    is_late,
    percent,
    position_changes,
    scheduled_this_week,
    status,
    week_of,
    window_before,
)
from ..errors import Conflict, NoProgramme, NotFound, UsageError
from ..ports import UnitOfWork
from . import read_models
from . import votes as vote_service
from .access import SETUP_HINT, audit, programme_for, require_admin, snapshot
from .coverage import coverage_report

if TYPE_CHECKING:
    from storage.models import Deadline, Delivery, Duty, Programme, Vote

log = logging.getLogger("consult.digest")

KIND = "digest"
ROLLUP_KIND = "digest-rollup"


# -- what the digest says -------------------------------------------------------------------------


def schedule_of(programme: Programme) -> Schedule:
    return Schedule(
        programme.digest_weekday,
        programme.digest_time,
        programme.timezone,
        programme.digest_enabled,
    )


def compose(
    uow: UnitOfWork, programme: Programme, window: Window, as_of: date, late: bool = False
) -> Digest:
    """Read everything one programme's digest reports (inside an open unit of work)."""
    pid = programme.id
    d = Digest(programme.name, programme.timezone, window, as_of, late)
    d.engagements, d.earliest = uow.digests.engagements_in(pid, window.start, window.end)
    if d.engagements:
        d.activity = sorted(
            (
                TypeActivity(t, s, e)
                for t, s, e in uow.digests.activity_by_type(pid, window.start, window.end)
            ),
            key=lambda a: (-a.stakeholders, a.label),
        )
        d.top_loggers = uow.digests.top_loggers(pid, window.start, window.end, LOGGERS_SHOWN)
        rows, names = uow.digests.position_history(pid, window.start, window.end)
        d.position_changes = position_changes(rows, window, names)
    report = coverage_report(uow, programme, COVERAGE_DAYS, as_of)
    d.not_engaged = [t for t in report.types if t.not_engaged]
    d.stakeholders = sum(t.total for t in report.types)
    d.engaged_recently = sum(t.engaged for t in report.types)
    d.coverage = report

    deadlines = uow.deadlines.list(pid)
    began = clock.began_on(programme)
    d.began_on = began
    last = as_of + timedelta(days=DEADLINE_DAYS)
    upcoming = [x for x in deadlines if as_of <= x.due_on <= last]
    owners = uow.deadlines.owners([x.id for x in deadlines]) if deadlines else {}
    d.deadlines = [
        UpcomingDeadline(
            x.title,
            x.kind,
            x.due_on,
            x.due_time,
            working_days_between(as_of, x.due_on),
            owners.get(x.id, []),
            bool(getattr(x, "provisional", False)),
            duty_rules.suggestion_of(x),
        )
        for x in upcoming
    ]
    d.overdue_deadlines = [
        Overdue(
            x.kind,
            x.id,
            x.title,
            ", ".join(owners.get(x.id, [])) or None,
            x.due_on,
            working_days_between(x.due_on, as_of),
            bool(getattr(x, "provisional", False)),
        )
        for x in deadlines
        if x.due_on < as_of and x.kind == "deadline" and not passed_before_start(x.due_on, began)
    ]
    d.overdue_actions = [
        Overdue(
            "action", a.id, a.title, a.owner_id, a.due_on, working_days_between(a.due_on, as_of)
        )
        for a in uow.actions.overdue(pid, as_of)
        if a.due_on is not None  # overdue ones have a date
    ]
    open_duties = uow.duties.list(pid, ("open",))
    d.open_duties = len(open_duties)
    # Grouped by what they are: statutory first, then guidance, constitution, local decisions.
    d.overdue_duties = [
        Overdue(
            "duty",
            x.id,
            x.title,
            x.owner_id,
            x.due_on,
            working_days_between(x.due_on, as_of),
            bool(x.provisional),
            heading,
        )
        for _, heading, rows in duty_rules.by_kind(
            [x for x in open_duties if duty_rules.is_overdue(x, as_of, began)],
            programme_templates.load_if_known(programme.template),
        )
        for x in rows
        if x.due_on is not None  # overdue ones have a date
    ]
    dated: list[Duty | Deadline] = [*open_duties, *(x for x in deadlines if x.kind == "deadline")]
    d.before_start = sum(1 for x in dated if passed_before_start(x.due_on, began))
    d.votes = [vote_standing(uow, programme, v, as_of) for v in uow.votes.open_votes(pid)]
    new_issues = [
        i for i in uow.raised_issues.created_since(pid, window.start) if i.created_at < window.end
    ]
    d.new_issues = [
        IssueLine(i.id, i.name, i.stakeholders, i.engagements, i.first_raised_on)
        for i in new_issues
    ]
    d.earliest = min(
        [i.created_at for i in new_issues] + ([d.earliest] if d.earliest else []), default=None
    )
    d.waiting_issues = [
        IssueLine(
            i.id,
            i.name,
            i.stakeholders,
            i.engagements,
            i.first_raised_on,
            (as_of - i.first_raised_on).days,
        )
        for i in uow.raised_issues.waiting(
            pid, as_of - timedelta(days=issue_rules.WAITING_DAYS), issue_rules.MANY_STAKEHOLDERS
        )
        if i.first_raised_on is not None  # waiting since it was first raised
    ]
    return d


def vote_standing(uow: UnitOfWork, programme: Programme, vote: Vote, as_of: date) -> VoteStanding:
    """An open vote counted by the vote's own rules and counting (bot.votes), with its forecast."""
    electors, tally = vote_service.count_vote(uow, vote)
    forecast = None
    if tally.mode == "ballots":
        positions = uow.engagements.latest_positions(
            programme.id, [e.stakeholder_id for e in tally.not_voted]
        )
        forecast = votes.forecast(tally, electors, positions)
    closes_on = vote.closes_at.astimezone(ZoneInfo(programme.timezone)).date()
    return VoteStanding(
        vote.question, vote.closes_at, working_days_between(as_of, closes_on), tally, forecast
    )


# -- /consult digest now ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownDigest:
    """One digest `digest now` shows: a programme's, or (programme_id None) a channel's roll-up."""

    programme_id: int | None  # whose pictures these are
    content: Digest | Rollup


def show_digest(actor: Actor, channel_id: str, uow: UnitOfWork) -> list[ShownDigest]:
    """This channel's programme digest as of now (the 7 days before now), and its roll-up if it has one.
    Changes nothing: the weekly schedule and the ledger are untouched."""
    now = clock.now()
    shown = []
    with uow:
        programme = uow.programmes.by_channel(actor.team_id, channel_id)
        if programme is not None:
            today = now.astimezone(ZoneInfo(programme.timezone)).date()
            window = window_before(now, programme.timezone)
            # Kept per revision and day: until the programme changes, the week before now
            # changes only when its earliest entry leaves it.
            kept = read_models.cached(
                uow,
                ("digest", programme.id, today),
                programme.revision,
                lambda: compose(uow, programme, window, today),
                programme.id,
                fresh=lambda d: d.earliest is None or window.start <= d.earliest,
            )
            shown.append(ShownDigest(programme.id, replace(kept, window=window)))
        followed = uow.digests.followed_by(actor.team_id, channel_id)
        if followed:
            shown.append(ShownDigest(None, compose_rollup(uow, followed, now)))
    if not shown:
        raise NoProgramme(
            SETUP_HINT + " A channel can also get a roll-up of other programmes: run "
            "`/consult digest follow #this-channel` in each programme's channel."
        )
    return shown


# -- schedule ------------------------------------------------------------------------------------


@dataclass
class DigestSettings:
    programme_name: str
    schedule: Schedule
    next_at: datetime | None  # local; None when off
    followers: list[str]  # channels whose roll-up includes this programme
    last_posted: datetime | None


def next_digest(schedule: Schedule, now: datetime, posted_this_week: bool) -> datetime | None:
    """When the next weekly digest goes out: this week's scheduled time if it is still ahead (or passed
    today without a post: then within a minute), else next week's."""
    if not schedule.enabled:
        return None
    this_week = scheduled_this_week(schedule, now)
    if not posted_this_week and status(schedule, now) != MISSED:
        return max(this_week, now).astimezone(ZoneInfo(schedule.timezone))
    return scheduled_this_week(schedule, this_week + timedelta(days=7))


def programme_key(programme_id: int, scheduled: datetime) -> str:
    return f"{KIND}:{week_of(scheduled)}:{programme_id}"


def digest_settings(actor: Actor, channel_id: str, uow: UnitOfWork) -> DigestSettings:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        return _settings(uow, programme)


def _settings(uow: UnitOfWork, programme: Programme) -> DigestSettings:
    schedule = schedule_of(programme)
    # The first message of each week's digest has the key digest:<week>:<programme>.
    sent = [
        row.sent_at
        for row in uow.deliveries.all_for(programme.id, KIND)
        if row.state == "sent" and row.sent_at and row.key.count(":") == 2
    ]
    now = clock.now()
    this_week = programme_key(programme.id, scheduled_this_week(schedule, now))
    posted = uow.digests.delivery_states([this_week]).get(this_week) == "sent"
    return DigestSettings(
        programme.name,
        schedule,
        next_digest(schedule, now, posted),
        uow.digests.followers(programme.id),
        max(sent) if sent else None,
    )


def schedule_digest(
    actor: Actor, channel_id: str, weekday: int, hhmm: str, uow: UnitOfWork
) -> DigestSettings:
    """Post the weekly digest on another weekday or time (admins). This week's is still posted once at most."""
    if not 0 <= weekday <= 6:
        raise UsageError("The weekday must be Monday to Sunday.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "change when the weekly digest is posted")
        fields = ["digest_enabled", "digest_weekday", "digest_time"]
        before = snapshot(programme, fields)
        programme.digest_enabled, programme.digest_weekday, programme.digest_time = (
            True,
            weekday,
            hhmm,
        )
        audit(
            uow,
            actor,
            programme,
            "digest.schedule",
            "programme",
            programme.id,
            before,
            snapshot(programme, fields),
        )
        uow.commit()
        return _settings(uow, programme)


def stop_digest(actor: Actor, channel_id: str, uow: UnitOfWork) -> DigestSettings:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "turn off the weekly digest")
        if not programme.digest_enabled:
            raise Conflict(
                "The weekly digest is already off. Turn it on with `/consult digest schedule monday 09:00`."
            )
        before = snapshot(programme, ["digest_enabled"])
        programme.digest_enabled = False
        audit(
            uow,
            actor,
            programme,
            "digest.off",
            "programme",
            programme.id,
            before,
            snapshot(programme, ["digest_enabled"]),
        )
        uow.commit()
        return _settings(uow, programme)


# -- roll-ups ----------------------------------------------------------------------------------------


def follow_digest(
    actor: Actor, channel_id: str, follower: str, uow: UnitOfWork
) -> tuple[Programme, list[Programme]]:
    """`follower`'s weekly roll-up gains a line for this channel's programme (admins)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(
            uow, actor, programme, "send this programme's figures to another channel's roll-up"
        )
        if follower == programme.channel_id:
            raise UsageError(
                "This channel already gets this programme's own digest. Name the channel that should "
                "get the roll-up, e.g. `/consult digest follow #area-team`."
            )
        row = uow.digests.follow(actor.team_id, follower, programme.id, actor.user_id)
        if row is None:
            raise Conflict(f"<#{follower}> already follows this programme.")
        uow.flush()
        audit(uow, actor, programme, "digest.follow", "digest_follow", row.id, None, snapshot(row))
        uow.commit()
        return programme, uow.digests.followed_by(actor.team_id, follower)


def unfollow_digest(actor: Actor, channel_id: str, follower: str, uow: UnitOfWork) -> Programme:
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "take this programme out of another channel's roll-up")
        if not uow.digests.unfollow(actor.team_id, follower, programme.id):
            raise NotFound(
                f"<#{follower}> does not follow this programme. "
                "`/consult digest schedule` lists the channels that do."
            )
        audit(
            uow,
            actor,
            programme,
            "digest.unfollow",
            "digest_follow",
            None,
            {"team_id": actor.team_id, "channel_id": follower, "programme_id": programme.id},
            None,
        )
        uow.commit()
        return programme


@dataclass
class RollupLine:
    programme: str
    coverage_percent: int | None
    engaged: int
    stakeholders: int
    vote: VoteStanding | None  # the open vote closing soonest
    open_votes: int
    next_deadline: UpcomingDeadline | None
    open_duties: int
    positions: list[PositionShare] = field(default_factory=list)  # of its practices


@dataclass
class Rollup:
    as_of: date
    timezone: str
    lines: list[RollupLine]
    late: bool = False


def compose_rollup(
    uow: UnitOfWork, programmes: Sequence[Programme], now: datetime, late: bool = False
) -> Rollup:
    """One line per followed programme: coverage, turnout, next deadline, open duties."""
    lines = []
    tz = programmes[0].timezone if programmes else "Europe/London"
    as_of = now.astimezone(ZoneInfo(tz)).date()
    for p in programmes:
        today = now.astimezone(ZoneInfo(p.timezone)).date()
        report = coverage_report(uow, p, COVERAGE_DAYS, today)
        total = sum(t.total for t in report.types)
        engaged = sum(t.engaged for t in report.types)
        open_votes = uow.votes.open_votes(p.id)
        vote = vote_standing(uow, p, open_votes[0], today) if open_votes else None
        nxt = next(
            (x for x in uow.deadlines.list(p.id) if x.due_on >= today and x.kind == "deadline"),
            None,
        )
        upcoming = (
            UpcomingDeadline(
                nxt.title,
                nxt.kind,
                nxt.due_on,
                nxt.due_time,
                working_days_between(today, nxt.due_on),
                provisional=bool(getattr(nxt, "provisional", False)),
            )
            if nxt
            else None
        )
        lines.append(
            RollupLine(
                p.name,
                percent(engaged, total) if total else None,
                engaged,
                total,
                vote,
                len(open_votes),
                upcoming,
                len(uow.duties.list(p.id, ("open",))),
                report.positions,
            )
        )
    return Rollup(as_of, tz, lines, late)


# -- the weekly sweep ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    key: str  # the delivery key: one per programme (or roll-up channel) per ISO week
    kind: str  # digest | digest-rollup
    team_id: str
    channel_id: str
    programme_id: int | None
    scheduled: datetime  # local
    late: bool

    @property
    def done_key(self) -> str:
        return self.key + ":complete"

    def part_key(self, n: int) -> str:
        return f"{self.key}:part{n}"

    def picture_key(self, name: str) -> str:
        return f"{self.key}:picture:{name}"


_reported_missed: set[str] = set()


def rollup_schedule(default_timezone: str) -> Schedule:
    """Roll-ups go out at the default digest time, Monday 09:00, in the deployment's timezone."""
    return Schedule(timezone=default_timezone)


def digests_due(uow: UnitOfWork, now: datetime, default_timezone: str) -> list[DueDigest]:
    """Every digest that should go out now, or whose thread is still unfinished this week.

    A digest is due from its scheduled local time until the end of that local
    day; one missed for the whole day waits for next week (logged once).
    """
    candidates: list[tuple[str, DueDigest]] = []
    with uow:
        for p in uow.digests.scheduled_programmes():
            candidate = _candidate(
                schedule_of(p),
                now,
                KIND + ":{week}:" + str(p.id),
                KIND,
                p.team_id,
                p.channel_id,
                p.id,
            )
            if candidate:
                candidates.append(candidate)
        rollups = uow.digests.rollup_channels()
        schedule = rollup_schedule(default_timezone)
        for team_id, channel_id in rollups:
            candidate = _candidate(
                schedule,
                now,
                f"{ROLLUP_KIND}:{{week}}:{team_id}:{channel_id}",
                ROLLUP_KIND,
                team_id,
                channel_id,
                None,
            )
            if candidate:
                candidates.append(candidate)
        keys = [k for _, d in candidates for k in (d.key, d.done_key)]
        states = uow.digests.delivery_states(keys) if keys else {}
    due = []
    for state, d in candidates:
        if states.get(d.done_key) == "sent":
            continue
        if state == DUE or states.get(d.key) == "sent":
            due.append(d)  # due today, or posted but its thread is unfinished
        elif d.key not in _reported_missed:
            _reported_missed.add(d.key)
            log.info(
                "digest %s was not posted on %s (Consult was not running or Slack refused it all day); "
                "it waits for next week",
                d.key,
                format_date(d.scheduled.date()),
            )
    return due


def _candidate(
    schedule: Schedule,
    now: datetime,
    key_pattern: str,
    kind: str,
    team_id: str,
    channel_id: str,
    programme_id: int | None,
) -> tuple[str, DueDigest] | None:
    state = status(schedule, now)
    if state not in (DUE, MISSED):
        return None
    scheduled = scheduled_this_week(schedule, now)
    key = key_pattern.format(week=week_of(scheduled))
    return state, DueDigest(
        key, kind, team_id, channel_id, programme_id, scheduled, is_late(scheduled, now)
    )


def compose_due(uow: UnitOfWork, due: DueDigest, now: datetime) -> Digest | Rollup | None:
    """What a due delivery says: the exact window before its scheduled time. None if there is
    nothing to send any more (the programme went, or the channel follows nothing)."""
    with uow:
        if due.kind == ROLLUP_KIND:
            followed = uow.digests.followed_by(due.team_id, due.channel_id)
            return compose_rollup(uow, followed, now, due.late) if followed else None
        programme = uow.programmes.get(due.programme_id) if due.programme_id is not None else None
        if programme is None:
            return None
        window = window_before(due.scheduled, programme.timezone)
        return compose(uow, programme, window, due.scheduled.date(), due.late)


def sent_delivery(uow: UnitOfWork, key: str) -> Delivery | None:
    """The ledger's row for `key` once it is in Slack, else None."""
    with uow:
        row = uow.digests.delivery(key)
        return row if row is not None and row.state == "sent" else None
