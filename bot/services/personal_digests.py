"""Personal digests: `/consult digest me daily|weekly [<day>]|off`, the Home tab's switch, and
the sweep that DMs each person their own digest exactly once per period.

The sweep reads every setting and asks the ledger, in one query per 500, which of
this period's digests are already settled; only the rest are composed, each at send
time from a fresh read, so a person with nothing on their plate is settled without
a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock
from .. import personal_digest as rules
from ..context import Actor
from ..dates import WEEKDAYS, format_date, format_datetime, working_days_between
from ..errors import UsageError
from ..ports import UnitOfWork
from ..rendering import esc
from .deliveries import DueMessage

if TYPE_CHECKING:
    from storage.models import PersonalDigest

OFF = "off"
# Marked late only when Consult was clearly down at 09:00: a national sweep sends a few
# hundred a minute, so the last of them go out some minutes after nine, on time.
LATE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Scope:
    """Whose ledger rows these are: a workspace, not one programme (a personal digest covers
    every programme the person takes part in). Shaped like a programme for the senders."""

    team_id: str
    timezone: str
    id: None = None


@dataclass(frozen=True)
class PersonalSetting:
    frequency: str  # daily | weekly | off
    weekday: int = 0
    timezone: str = "Europe/London"
    next_at: datetime | None = None  # local

    def describe(self) -> str:
        if self.frequency == rules.DAILY:
            return "every working day at 09:00"
        if self.frequency == rules.WEEKLY:
            return f"every {WEEKDAYS[self.weekday].capitalize()} at 09:00"
        return "off"


def _setting(row: PersonalDigest | None, now: datetime) -> PersonalSetting:
    if row is None:
        return PersonalSetting(OFF)
    local = rules.local_now(now, row.timezone)
    return PersonalSetting(
        row.frequency, row.weekday, row.timezone, rules.next_send(row.frequency, row.weekday, local)
    )


def personal_setting(actor: Actor, uow: UnitOfWork) -> PersonalSetting:
    with uow:
        return setting_in(uow, actor)


def setting_in(uow: UnitOfWork, actor: Actor) -> PersonalSetting:
    """Inside an open unit of work (the Home tab's)."""
    return _setting(uow.personal_digests.setting(actor.team_id, actor.user_id), clock.now())


def set_personal_digest(
    actor: Actor,
    channel_id: str | None,
    frequency: str,
    uow: UnitOfWork,
    *,
    weekday: int = 0,
    default_timezone: str = "Europe/London",
) -> PersonalSetting:
    """Turn one's own digest on (daily, or weekly on a weekday) or off. Times are in the timezone
    of the programme whose channel it was set in (or the deployment's)."""
    if frequency not in rules.FREQUENCIES + (OFF,):
        raise UsageError(f"Say `daily`, `weekly` or `off`, not {frequency[:20]!r}.")
    if not 0 <= weekday <= 6:
        raise UsageError("The weekday must be Monday to Sunday.")
    now = clock.now()
    with uow:
        if frequency == OFF:
            uow.personal_digests.stop(actor.team_id, actor.user_id)
            uow.commit()
            return PersonalSetting(OFF)
        programme = uow.programmes.by_channel(actor.team_id, channel_id) if channel_id else None
        current = uow.personal_digests.setting(actor.team_id, actor.user_id)
        tz = (
            programme.timezone
            if programme is not None
            else (current.timezone if current is not None else default_timezone)
        )
        row = uow.personal_digests.set(actor.team_id, actor.user_id, frequency, weekday, tz, now)
        uow.commit()
        return _setting(row, now)


# -- what one person's digest says ---------------------------------------------------------------


def _when(on: date | None, today: date) -> str:
    if on is None:
        return "no date"
    if on < today:
        return f"*overdue* since {format_date(on)}"
    if on == today:
        return "*today*"
    n = working_days_between(today, on)
    return f"{format_date(on)} ({n} working day{'s' if n != 1 else ''} left)"


def compose_personal(
    uow: UnitOfWork, team_id: str, user_id: str, now: datetime, timezone: str
) -> rules.PersonalDigest:
    """Inside an open unit of work: the person's open actions, the deadlines and duties they own
    due within two weeks (and any overdue), the votes they can still cast, and the issues whose
    response they own."""
    today = rules.local_now(now, timezone).date()
    until = today + rules.AHEAD
    repo = uow.personal_digests
    d = rules.PersonalDigest(user_id, today)
    for p, a in repo.actions(team_id, user_id):
        d.actions.append(
            rules.Line(p.name, f"{esc(a.title)}: {_when(a.due_on, today)} (#{a.id})", a.due_on)
        )
    for p, x in repo.deadlines(team_id, user_id, until):
        what = "Meeting" if x.kind == "meeting" else "Deadline"
        at = f" at {x.due_time}" if x.due_time else ""
        d.deadlines.append(
            rules.Line(p.name, f"{what}: {esc(x.title)}, {_when(x.due_on, today)}{at}", x.due_on)
        )
    for p, duty in repo.duties(team_id, user_id, until):
        d.duties.append(
            rules.Line(
                p.name,
                f"{esc(duty.title)}: {_when(duty.due_on, today)} (duty #{duty.id})",
                duty.due_on,
            )
        )
    for p, v, s in repo.votes(team_id, user_id):
        d.votes.append(
            rules.Line(
                p.name,
                f"“{esc(v.question)}” for *{esc(s.name)}*: closes "
                f"{format_datetime(v.closes_at, p.timezone)}",
                v.closes_at.date(),
            )
        )
    for p, i in repo.issues(team_id, user_id):
        d.issues.append(rules.Line(p.name, f"#{i.id} {esc(i.name)}: awaiting a response"))
    return d


def show_personal(actor: Actor, uow: UnitOfWork, timezone: str) -> rules.PersonalDigest:
    """What the asker's digest says now (`/consult digest me`)."""
    with uow:
        row = uow.personal_digests.setting(actor.team_id, actor.user_id)
        tz = row.timezone if row is not None else timezone
        return compose_personal(uow, actor.team_id, actor.user_id, clock.now(), tz)


# -- the sweep -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    team_id: str
    user_id: str
    timezone: str


def personal_digests_due(uow: UnitOfWork, now: datetime) -> list[DueMessage[DueDigest]]:
    """This period's personal digests that should have gone by now and are not settled yet."""
    due: list[DueMessage[DueDigest]] = []
    with uow:
        for s in uow.personal_digests.all():
            local = rules.local_now(now, s.timezone)
            if not rules.due_on(s.frequency, s.weekday, local):
                continue
            key = rules.period_key(s.team_id, s.user_id, s.frequency, local.date())
            late = local - datetime.combine(local.date(), rules.SEND_AT, local.tzinfo) > LATE_AFTER
            due.append(
                DueMessage(
                    key,
                    Scope(s.team_id, s.timezone),
                    s.user_id,
                    True,
                    rules.KIND,
                    late,
                    DueDigest(s.team_id, s.user_id, s.timezone),
                )
            )
        settled = uow.deadlines.sent_among(m.key for m in due)
        due = [m for m in due if m.key not in settled]
        # Slack refuses a DM to a deactivated account: do not ask it every minute all day.
        gone: set[tuple[str, str]] = set()
        for team in {m.about.team_id for m in due}:
            people = uow.people.named(team, [m.recipient for m in due if m.about.team_id == team])
            gone |= {(team, p.user_id) for p in people.values() if p.deleted}
    return [m for m in due if (m.about.team_id, m.recipient) not in gone]


def personal_digest_of(
    uow: UnitOfWork, item: DueMessage[DueDigest], now: datetime
) -> rules.PersonalDigest:
    about = item.about
    with uow:
        return compose_personal(uow, about.team_id, about.user_id, now, about.timezone)
