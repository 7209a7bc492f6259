"""Duty reminders, like deadline reminders: 09:00 programme-local on 14, 7, 1 and 0 days
before a duty is due (moved to the working day before a weekend or bank holiday),
to the programme's channel and the duty's owner, each exactly once through the
delivery ledger. After downtime only the latest missed reminder is sent, marked late.
"""

from __future__ import annotations

from datetime import datetime

from blocks.duties import reminder_text
from bot import clock, reminders
from bot.dates import format_datetime
from bot.services import duties
from bot.services.deliveries import DueMessage

from .sending import send_each


def render(item: DueMessage, now: datetime) -> tuple[str, None]:
    r, tz = item.about, item.programme.timezone
    late = format_datetime(reminders.reminder_time(r.day_on, tz), tz) if item.late else None
    return reminder_text(r.duty, r.evidence, clock.today_in(tz, now), late), None


def send_duty_reminders(services, now: datetime) -> int:
    """Returns how many reminders this call sent; one failing send never stops the others."""
    return send_each(
        services, duties.reminders_due(services.new_uow(), now), lambda i: render(i, now)
    )
