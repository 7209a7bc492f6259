"""Deadlines and meetings: add, complete, cancel, move, list, and snooze a reminder.

Meetings live in the deadline table (kind "meeting") with a start and end
time and a place. Every change raises `sequence` and `updated_at` (the
calendar feed relies on both) and is audited. `updated_at` is also when a
deadline got its current date: reminder times before it are never caught up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from .. import clock, programme_templates, reminders
from ..context import Actor
from ..dates import add_working_days, format_date, non_working_reason, parse_time
from ..errors import Conflict, Forbidden, NotFound, UsageError
from ..ports import UnitOfWork
from ..typed_text import clean_typed
from . import read_models
from .access import audit, is_admin, programme_for, require_admin, snapshot
from .deliveries import DueMessage
from .duties import follow_deadline
from .spans import check_in_span

if TYPE_CHECKING:
    from storage.models import Action, Deadline, Duty, Programme

KINDS = ("deadline", "meeting")


class _Keep(Enum):
    KEEP = "keep"


_KEEP: Final = _Keep.KEEP  # a time not given: the deadline keeps its own


@dataclass
class DeadlineView:
    """A deadline (or meeting) with its owners, as shown to people."""

    deadline: Deadline
    owners: list[str] = field(default_factory=list)
    # Why its date is not a working day (weekend or bank holiday), for flagging.
    non_working: str | None = None
    # The day (in the programme's timezone) an admin confirmed or moved its template date.
    date_set_on: date | None = None
    began_on: date | None = None  # the day the programme was set up
    # Key dates placed from this one (a decision date) that moved with it: (deadline, old date).
    followed: list[tuple[Deadline, date]] = field(default_factory=list)


def _date_set_on(deadline: Deadline, tz: str | None) -> date | None:
    at = getattr(deadline, "date_set_at", None)
    return at.astimezone(ZoneInfo(tz)).date() if at and tz else (at.date() if at else None)


def _view(uow: UnitOfWork, deadline: Deadline, tz: str | None = None) -> DeadlineView:
    return DeadlineView(
        deadline,
        uow.deadlines.owners([deadline.id])[deadline.id],
        non_working_reason(deadline.due_on),
        _date_set_on(deadline, tz),
    )


def _check_title(title: str, what: str) -> str:
    title = " ".join(clean_typed(title, f"The {what}'s title").split())
    if not title:
        raise UsageError(f"The {what} needs a title, in quotes if it has spaces.")
    if len(title) > 300:
        raise UsageError(f"A {what}'s title can be at most 300 characters.")
    return title


def _check_date(due_on: date, programme: Programme, what: str) -> None:
    today = clock.today_in(programme.timezone)
    if due_on < today:
        raise UsageError(
            f"{format_date(due_on)} is in the past (today is {format_date(today)}). "
            f"A {what} needs a date from today on."
        )
    check_in_span(due_on, programme, today, f"a {what}")


def _find(uow: UnitOfWork, programme: Programme, deadline_id: int) -> Deadline:
    deadline = uow.deadlines.in_programme(programme.id, deadline_id)
    if deadline is None:
        raise NotFound(
            f"This programme has no deadline or meeting #{deadline_id}. `/consult deadlines --all` lists them with their numbers."
        )
    return deadline


def _date_set(deadline: Deadline, how: str, actor: Actor) -> None:
    """A template date an admin confirmed or moved: by whom and when, shown beside it."""
    deadline.date_set, deadline.date_set_by, deadline.date_set_at = how, actor.user_id, clock.now()


def _changed(deadline: Deadline) -> None:
    deadline.sequence = (deadline.sequence or 0) + 1
    deadline.updated_at = clock.now()


def add_deadline(
    actor: Actor,
    channel_id: str,
    title: str,
    due_on: date,
    uow: UnitOfWork,
    *,
    due_time: str | None = None,
    remind_days: tuple[int, ...] | None = None,
    owners: Sequence[str] = (),
    kind: str = "deadline",
    end_time: str | None = None,
    place: str | None = None,
) -> tuple[Programme, DeadlineView]:
    """Returns (programme, DeadlineView). Admins only."""
    if kind not in KINDS:
        raise UsageError(f"{kind!r} is not a kind of dated item: use deadline or meeting.")
    title = _check_title(title, kind)
    if due_time is not None:
        due_time = parse_time(due_time)
    if end_time is not None:
        end_time = parse_time(end_time)
        if due_time is None:
            raise UsageError("An end time needs a start time (`--time`).")
        if end_time <= due_time:
            raise UsageError(
                f"The end time ({end_time}) must be after the start time ({due_time})."
            )
    if kind == "meeting" and due_time is None:
        raise UsageError("A meeting needs its start time, e.g. `--time 14:00`.")
    if place is not None:
        place = " ".join(clean_typed(place, "The place").split())
        if len(place) > 300:
            raise UsageError("A place can be at most 300 characters.")
    if remind_days is None:
        remind_days = (
            reminders.MEETING_REMIND_DAYS if kind == "meeting" else reminders.DEFAULT_REMIND_DAYS
        )
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, f"add a {kind}")
        _check_date(due_on, programme, kind)
        now = clock.now()
        deadline = uow.deadlines.create(
            programme_id=programme.id,
            kind=kind,
            title=title,
            due_on=due_on,
            due_time=due_time,
            end_time=end_time,
            place=place or None,
            remind_days=reminders.format_remind_days(remind_days),
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            sequence=0,
        )
        uow.deadlines.set_owners(deadline.id, owners)
        after = snapshot(deadline) | {"owners": list(dict.fromkeys(owners))}
        audit(uow, actor, programme, f"{kind}.add", "deadline", deadline.id, after=after)
        view = _view(uow, deadline)
        uow.commit()
        return programme, view


def close_deadline(
    actor: Actor, channel_id: str, deadline_id: int, state: str, uow: UnitOfWork
) -> tuple[Programme, DeadlineView]:
    """Mark done or cancelled (admins). Returns (programme, DeadlineView). Its reminders stop."""
    if state not in ("done", "cancelled"):
        raise UsageError("A deadline is closed as done or cancelled.")
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "mark deadlines done or cancel them")
        deadline = _find(uow, programme, deadline_id)
        view = _close(uow, actor, programme, deadline, state)
        uow.commit()
        return programme, view


def _close(
    uow: UnitOfWork, actor: Actor, programme: Programme, deadline: Deadline, state: str
) -> DeadlineView:
    if deadline.state != "open":
        raise Conflict(f"#{deadline.id} is already {deadline.state}.")
    before = snapshot(deadline)
    deadline.state = state
    _changed(deadline)
    verb = "done" if state == "done" else "cancel"
    audit(
        uow,
        actor,
        programme,
        f"deadline.{verb}",
        "deadline",
        deadline.id,
        before=before,
        after=snapshot(deadline),
    )
    uow.flush()
    return _view(uow, deadline)


def _deadline_of_button(
    uow: UnitOfWork, actor: Actor, deadline_id: int
) -> tuple[Deadline, Programme]:
    """The deadline a reminder's button names, in the clicker's workspace only."""
    deadline = uow.deadlines.get(deadline_id)
    programme = uow.programmes.get(deadline.programme_id) if deadline else None
    if deadline is None or programme is None or programme.team_id != actor.team_id:
        raise NotFound("That deadline no longer exists.")
    return deadline, programme


def complete_from_reminder(
    actor: Actor, deadline_id: int, uow: UnitOfWork
) -> tuple[Programme, DeadlineView, bool]:
    """The "Mark done" button on a reminder: the programme's admins or the deadline's owners.

    Returns (programme, DeadlineView, newly_done).
    """
    with uow:
        deadline, programme = _deadline_of_button(uow, actor, deadline_id)
        owners = uow.deadlines.owners([deadline.id])[deadline.id]
        if actor.user_id not in owners and not is_admin(uow, actor, programme):
            who = ", ".join(f"<@{o}>" for o in owners)
            raise Forbidden(
                "Only the deadline's owners or the programme's admins can mark it done"
                + (f": ask {who}." if who else ".")
            )
        if deadline.state == "done":
            return programme, _view(uow, deadline), False
        if deadline.state != "open":
            raise Conflict(f"#{deadline.id} was {deadline.state}; there is nothing to mark done.")
        view = _close(uow, actor, programme, deadline, "done")
        uow.commit()
        return programme, view, True


def move_deadline(
    actor: Actor,
    channel_id: str,
    deadline_id: int,
    due_on: date,
    uow: UnitOfWork,
    *,
    due_time: str | None | _Keep = _KEEP,
    end_time: str | None | _Keep = _KEEP,
) -> tuple[Programme, date, DeadlineView]:
    """Give an open deadline or meeting a new date (and time). Returns (programme, old date, DeadlineView).

    Reminders already sent for the old date are not repeated for the new one
    unless their days come round again; the old date never reminds again.
    """
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "move deadlines")
        deadline = _find(uow, programme, deadline_id)
        if deadline.state != "open":
            raise Conflict(f"#{deadline.id} is {deadline.state}; only open deadlines can be moved.")
        _check_date(due_on, programme, deadline.kind)
        new_time = (
            deadline.due_time if due_time is _KEEP else (parse_time(due_time) if due_time else None)
        )
        new_end = (
            deadline.end_time if end_time is _KEEP else (parse_time(end_time) if end_time else None)
        )
        if deadline.kind == "meeting" and new_time is None:
            raise UsageError("A meeting needs its start time, e.g. `--time 14:00`.")
        if new_end is not None and (new_time is None or new_end <= new_time):
            raise UsageError("The end time must be after the start time.")
        if (due_on, new_time, new_end) == (deadline.due_on, deadline.due_time, deadline.end_time):
            raise Conflict(
                f"#{deadline.id} is already on {format_date(due_on)}"
                + (f" at {new_time}" if new_time else "")
                + "."
            )
        before = snapshot(deadline)
        old = deadline.due_on
        deadline.due_on, deadline.due_time, deadline.end_time = due_on, new_time, new_end
        deadline.provisional = False  # a date an admin chose is a date, not a guess
        if deadline.template_key:
            _date_set(deadline, "moved", actor)
        _changed(deadline)
        audit(
            uow,
            actor,
            programme,
            "deadline.move",
            "deadline",
            deadline.id,
            before=before,
            after=snapshot(deadline),
        )
        follow_deadline(uow, actor, programme, deadline)
        followed = _replace_from_decision(uow, actor, programme, deadline)
        view = _view(uow, deadline)
        view.followed = followed
        uow.commit()
        return programme, old, view


def _replace_from_decision(
    uow: UnitOfWork, actor: Actor, programme: Programme, decision: Deadline
) -> list[tuple[Deadline, date]]:
    """The decision date of a template dated from it moved: its key dates that are still the
    programme's unconfirmed choice (open, provisional, never confirmed or moved by hand) are
    placed back from the new date, and the duties due with them follow."""
    template = programme_templates.load_if_known(programme.template)
    if (
        template is None
        or not programme_templates.is_decision_dated(template)
        or decision.template_key != (template.get("decision_key", "decision"))
    ):
        return []
    moved = []
    for d in uow.deadlines.with_template_keys(programme.id):
        if d.template_key is None:  # (the repository hands out only those with one)
            continue
        item = programme_templates.deadline_item(template, d.template_key)
        if d.id == decision.id or item is None or d.state != "open" or not d.provisional:
            continue
        if getattr(d, "date_set", None):
            continue
        due_on, _provisional = programme_templates.decision_date(decision.due_on, item)
        if due_on == d.due_on:
            continue
        before = snapshot(d)
        moved.append((d, d.due_on))
        d.due_on = due_on
        _changed(d)
        audit(uow, actor, programme, "deadline.move", "deadline", d.id, before, snapshot(d))
        follow_deadline(uow, actor, programme, d)
    return moved


def confirm_deadline(
    actor: Actor, channel_id: str, deadline_id: int, uow: UnitOfWork
) -> tuple[Programme, DeadlineView, list[Duty]]:
    """An admin confirms a provisional date as it stands. Returns (programme, DeadlineView,
    duties whose due dates follow it)."""
    with uow:
        programme = programme_for(uow, actor, channel_id)
        require_admin(uow, actor, programme, "confirm deadlines")
        deadline = _find(uow, programme, deadline_id)
        if not deadline.provisional:
            raise Conflict(
                f"#{deadline.id} is not provisional: its date, {format_date(deadline.due_on)}, "
                "is already confirmed. Move it with `/consult deadline move` if it has changed."
            )
        if deadline.state != "open":
            raise Conflict(
                f"#{deadline.id} is {deadline.state}; only open deadlines are confirmed."
            )
        before = snapshot(deadline)
        deadline.provisional = False
        _date_set(deadline, "confirmed", actor)
        _changed(deadline)
        audit(
            uow,
            actor,
            programme,
            "deadline.confirm",
            "deadline",
            deadline.id,
            before=before,
            after=snapshot(deadline),
        )
        duties = follow_deadline(uow, actor, programme, deadline)
        view = _view(uow, deadline)
        uow.commit()
        return programme, view, duties


def list_deadlines(
    actor: Actor, channel_id: str, uow: UnitOfWork, include_all: bool = False
) -> tuple[Programme, list[DeadlineView], list[DeadlineView]]:
    """Returns (programme, upcoming, earlier): open items from today on, soonest first; with
    include_all also past open ones, done and cancelled ones (most recent first)."""
    with uow:

        def build() -> tuple[Programme, tuple[DeadlineView, ...], tuple[DeadlineView, ...]]:
            programme = programme_for(uow, actor, channel_id)
            today = clock.today_in(programme.timezone)
            states = ("open", "done", "cancelled") if include_all else ("open",)
            rows = uow.deadlines.list(programme.id, states)
            owners = uow.deadlines.owners([d.id for d in rows])
            views = [
                DeadlineView(
                    d,
                    owners[d.id],
                    non_working_reason(d.due_on),
                    _date_set_on(d, programme.timezone),
                    clock.began_on(programme),
                )
                for d in rows
            ]
            upcoming = [
                v for v in views if v.deadline.state == "open" and v.deadline.due_on >= today
            ]
            earlier = [v for v in views if v not in upcoming]
            earlier.sort(key=lambda v: (v.deadline.due_on, v.deadline.id), reverse=True)
            return programme, tuple(upcoming), tuple(earlier)

        programme, upcoming, earlier = read_models.of_channel(
            uow, actor, channel_id, "deadlines", (include_all,), build
        )
        return programme, list(upcoming), list(earlier)


def snooze_reminder(
    actor: Actor, deadline_id: int, uow: UnitOfWork
) -> tuple[Programme, Deadline, date]:
    """The "Snooze" button: DM the clicker about this deadline again one working day later.

    Returns (programme, deadline, remind_on).
    """
    with uow:
        deadline, programme = _deadline_of_button(uow, actor, deadline_id)
        if deadline.state != "open":
            raise Conflict(
                f"#{deadline.id} is {deadline.state}: there is nothing more to remind you of."
            )
        remind_on = add_working_days(clock.today_in(programme.timezone), 1)
        if uow.deadlines.snooze(deadline.id, actor.user_id, remind_on, deadline.due_on):
            audit(
                uow,
                actor,
                programme,
                "deadline.snooze",
                "deadline",
                deadline.id,
                after={
                    "user_id": actor.user_id,
                    "remind_on": remind_on.isoformat(),
                    "due_on": deadline.due_on.isoformat(),
                },
            )
            uow.commit()
        return programme, deadline, remind_on


# -- reminders -----------------------------------------------------------------


@dataclass
class DeadlineReminder:
    """A deadline's or meeting's reminder (or a snoozed one), rendered from a fresh read."""

    deadline_id: int
    due_on: date  # the date it reminds about: a deadline moved since sends nothing
    day_on: date  # the reminder day


@dataclass
class ActionReminder:
    action: Action
    day_on: date


def reminders_due(
    uow: UnitOfWork, now: datetime
) -> list[DueMessage[DeadlineReminder | ActionReminder]]:
    """Every deadline, meeting, snoozed and follow-up action reminder that should have been
    sent by `now` (the latest one per item only) and is not yet recorded as sent."""
    window_start = (now - timedelta(days=reminders.CATCH_UP_DAYS + 2)).date()
    window_end = (now + timedelta(days=reminders.MAX_REMIND_DAYS + 2)).date()
    due: list[DueMessage[DeadlineReminder | ActionReminder]] = []
    with uow:
        items = uow.deadlines.open_due_between(window_start, window_end)
        owners = uow.deadlines.owners([d.id for d, _ in items])
        reminder_days_of: dict[int, set[date]] = {}
        for d, programme in items:
            days = reminders.stored_remind_days(d.remind_days)
            reminder_days_of[d.id] = {r.on for r in reminders.reminder_days(d.due_on, days)}
            day = reminders.latest_due(d.due_on, days, programme.timezone, now, since=d.updated_at)
            if day is None:
                continue
            late = reminders.is_late(day, programme.timezone, now)
            reminder = DeadlineReminder(d.id, d.due_on, day.on)
            for recipient in [programme.channel_id, *owners[d.id]]:
                key = reminders.reminder_key("reminder", d.id, d.due_on, day.on, recipient)
                is_dm = recipient != programme.channel_id
                due.append(DueMessage(key, programme, recipient, is_dm, "reminder", late, reminder))

        for snooze, d, programme in uow.deadlines.snoozes_between(
            window_start, now.date() + timedelta(days=1)
        ):
            at = reminders.reminder_time(snooze.remind_on, programme.timezone)
            if (
                snooze.due_on != d.due_on
                or at > now
                or now - at > timedelta(days=reminders.CATCH_UP_DAYS)
            ):
                continue
            regular = reminder_days_of.get(d.id, set())
            if snooze.user_id in owners.get(d.id, ()) and snooze.remind_on in regular:
                continue  # that day's own reminder already DMs them
            key = reminders.reminder_key("snooze", d.id, d.due_on, snooze.remind_on, snooze.user_id)
            late = reminders.is_late(
                reminders.ReminderDay(snooze.remind_on, ()), programme.timezone, now
            )
            reminder = DeadlineReminder(d.id, d.due_on, snooze.remind_on)
            due.append(DueMessage(key, programme, snooze.user_id, True, "reminder", late, reminder))

        for action, programme in uow.deadlines.open_actions_due_between(window_start, window_end):
            if action.due_on is None:  # (the repository hands out only those with a date)
                continue
            day = reminders.latest_due(
                action.due_on,
                reminders.ACTION_REMIND_DAYS,
                programme.timezone,
                now,
                since=action.created_at,
            )
            if day is None:
                continue
            key = reminders.reminder_key(
                "action", action.id, action.due_on, day.on, action.owner_id
            )
            late = reminders.is_late(day, programme.timezone, now)
            follow_up = ActionReminder(action, day.on)
            due.append(
                DueMessage(
                    key, programme, action.owner_id, True, "action-reminder", late, follow_up
                )
            )

        done = uow.deadlines.sent_among(m.key for m in due)
    return [m for m in due if m.key not in done]


def reminder_of(
    uow: UnitOfWork, about: DeadlineReminder
) -> tuple[Deadline, Programme, list[str]] | None:
    """(deadline, programme, owners) as they are now, or None if the deadline was
    closed or moved since its reminder was found due."""
    with uow:
        d = uow.deadlines.get(about.deadline_id)
        if d is None or d.state != "open" or d.due_on != about.due_on:
            return None
        programme = uow.programmes.get(d.programme_id)
        if programme is None:  # gone since, with its deadlines
            return None
        return d, programme, uow.deadlines.owners([d.id])[d.id]
