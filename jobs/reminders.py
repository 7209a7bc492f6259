"""The reminder sweep: deadline and meeting reminders, snoozed reminders, follow-up actions.

Every minute the deadlines service works out, from the database alone, which
reminder each open item should have had by now (the latest one only); each
(item, due date, reminder day, recipient) is sent through the delivery
ledger, so a restart, a second process or downtime never doubles or loses one.
"""

from __future__ import annotations

from datetime import datetime

from blocks import reminders as blocks
from bot import clock
from bot import reminders as rules
from bot.dates import format_datetime
from bot.services import deadlines
from bot.services.deliveries import DueMessage

from .sending import send_each


def _late_since(day_on, tz: str, now: datetime) -> str | None:
    at = rules.reminder_time(day_on, tz)
    return format_datetime(at, tz) if now - at > rules.LATE_AFTER else None


def render(services, item: DueMessage, now: datetime) -> tuple[str, list[dict] | None] | None:
    """Built at send time: a deadline closed or moved since the sweep read it sends nothing."""
    if isinstance(item.about, deadlines.ActionReminder):
        action, tz = item.about.action, item.programme.timezone
        text = blocks.action_reminder_text(
            action, clock.today_in(tz, now), _late_since(item.about.day_on, tz, now)
        )
        return text, None
    found = deadlines.reminder_of(services.new_uow(), item.about)
    if found is None:
        return None
    d, programme, owners = found
    today = clock.today_in(programme.timezone, now)
    late = _late_since(item.about.day_on, programme.timezone, now)
    return (
        blocks.reminder_text(d, owners, today, late),
        blocks.reminder_blocks(d, owners, today, late),
    )


def send(services, item: DueMessage, now: datetime | None = None) -> bool:
    """Send one reminder exactly once. True if this call sent it."""
    now = now or clock.now()
    return bool(
        send_each(services, [item], lambda i: render(services, i, now), unsure_means_unsent=True)
    )


def send_due_reminders(services, now: datetime) -> int:
    """Send what is due; one failing send never stops the others. Returns how many were sent."""
    return send_each(
        services,
        deadlines.reminders_due(services.new_uow(), now),
        lambda item: render(services, item, now),
        # Without a way to search Slack (the shell), a stale claim is taken as not sent.
        unsure_means_unsent=True,
    )
