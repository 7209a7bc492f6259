"""Block Kit and text for deadlines, meetings and their reminders (pure builders)."""

from __future__ import annotations

from datetime import date

from bot import duties as duty_rules
from bot.dates import format_date, time_left
from bot.rendering import esc

from .kit import actions, button, context, section

DONE_ACTION = "deadline_done"
SNOOZE_ACTION = "deadline_snooze"


PROVISIONAL = "provisional: date to confirm"


def when(deadline) -> str:
    """`Fri 20 Jun 2014`, `Fri 9 Jan 2015 at 17:00`, `Tue 9 Dec 2014, 14:00–16:00`,
    `Fri 19 Jun 2026 (provisional: date to confirm)`."""
    text = format_date(deadline.due_on)
    if deadline.due_time and deadline.end_time:
        text += f", {deadline.due_time}\u2013{deadline.end_time}"
    elif deadline.due_time:
        text += f" at {deadline.due_time}"
    mark = duty_rules.provisional_text(deadline)
    if mark:
        text += f" ({mark})"
    return text


def brief_source(deadline) -> str | None:
    """The first of a template date's sources, for one-line listings."""
    return duty_rules.brief_source(deadline)


def confirm_hint(deadline) -> str:
    return (
        f"Confirm it with `/consult deadline confirm {deadline.id}` "
        f"or move it with `/consult deadline move {deadline.id} <date>`."
    )


def days_left(due_on: date, today: date, began_on: date | None = None) -> str:
    """How far off a date is, in working days, as every view counts it."""
    return time_left(due_on, today, began_on)


def owners_text(owners: list[str]) -> str:
    return ", ".join(f"<@{o}>" for o in owners) if owners else "nobody yet"


def describe(view, today: date) -> str:
    """One line of `/consult deadlines`."""
    d = view.deadline
    label = "Meeting" if d.kind == "meeting" else "Deadline"
    line = f"`#{d.id}` *{esc(d.title)}*: {when(d)}"
    if d.kind == "meeting" and d.place:
        line += f", {esc(d.place)}"
    if d.state == "open":
        line += f" ({days_left(d.due_on, today, getattr(view, 'began_on', None))})"
    else:
        line += f" ({d.state})"
    if view.owners:
        line += f". Owners: {owners_text(view.owners)}"
    if view.non_working:
        line += f". Note: {format_date(d.due_on)} is {view.non_working}"
    source = brief_source(d)
    if source:
        line += f"\n      _{duty_rules.source_label(d)}: {esc(source)}_"
    set_by = getattr(d, "date_set_by", None)
    confirmed = duty_rules.date_set_text(d, f"<@{set_by}>", getattr(view, "date_set_on", None))
    if confirmed:
        line += f"\n      _{confirmed}._"
    return f"{label} {line}" if d.kind == "meeting" else line


def non_working_note(view) -> str:
    if not view.non_working:
        return ""
    return (
        f"\n:warning: {format_date(view.deadline.due_on)} is {view.non_working}, not a working day. "
        "That is allowed; reminders that would fall on non-working days come on the working day before."
    )


def reminder_text(deadline, owners: list[str], today: date, late_since: str | None) -> str:
    """The plain text of a reminder (notifications, and clients without blocks)."""
    what = "Meeting" if deadline.kind == "meeting" else "Reminder"
    verb = (
        "is on"
        if deadline.kind == "meeting"
        else ("was due" if deadline.due_on < today else "is due")
    )
    text = (
        f"{what}: *{esc(deadline.title)}* {verb} {when(deadline)}"
        + (f", {esc(deadline.place)}" if deadline.kind == "meeting" and deadline.place else "")
        + f" ({days_left(deadline.due_on, today)})."
    )
    if owners or deadline.kind != "meeting":
        text += f" Owners: {owners_text(owners)}."
    if getattr(deadline, "provisional", False) and deadline.state == "open":
        text += f"\n_{duty_rules.provisional_why(deadline)} {confirm_hint(deadline)}_"
    if late_since:
        text += f"\n_Late: this reminder was due {late_since}; Consult was not running then._"
    return text


def reminder_blocks(deadline, owners: list[str], today: date, late_since: str | None) -> list[dict]:
    text = reminder_text(deadline, owners, today, late_since)
    buttons = []
    if deadline.kind != "meeting":
        buttons.append(button(DONE_ACTION, "Mark done", str(deadline.id), style="primary"))
    buttons.append(button(SNOOZE_ACTION, "Remind me tomorrow", str(deadline.id)))
    return [
        section(":alarm_clock: " + text),
        context(
            f"`#{deadline.id}` · \u201cRemind me tomorrow\u201d DMs only you, on the next working day"
        ),
        actions(f"reminder_{deadline.id}", buttons),
    ]


def action_reminder_text(action, today: date, late_since: str | None) -> str:
    verb = "was due" if action.due_on < today else "is due"
    text = (
        f"Follow-up action: *{esc(action.title)}* {verb} {format_date(action.due_on)} "
        f"({days_left(action.due_on, today)})."
    )
    if late_since:
        text += f"\n_Late: this reminder was due {late_since}; Consult was not running then._"
    return text


def done_by_text(deadline, user_id: str) -> str:
    return f"<@{user_id}> marked *{esc(deadline.title)}* (`#{deadline.id}`, {when(deadline)}) done. Its reminders stop."


def reminder_after_done_blocks(deadline, user_id: str) -> list[dict]:
    """What a reminder turns into once someone marks its deadline done."""
    return [section(":white_check_mark: " + done_by_text(deadline, user_id))]
