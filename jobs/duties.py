"""Duty reminders, like deadline reminders: 09:00 programme-local on 14, 7, 1 and 0 days
before a duty is due (moved to the working day before a weekend or bank holiday),
to the programme's channel and the duty's owner, each exactly once through the
delivery ledger. After downtime only the latest missed reminder is sent, marked late.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from blocks.duties import reminder_text
from bot import reminders
from bot.dates import format_datetime
from bot.services.deliveries import deliver_once, lookup, metadata_for

log = logging.getLogger("consult.duties")


def _pending(services, now: datetime) -> list[tuple]:
    """(key, programme, recipient, is_dm, late, text) of every duty reminder due by `now`."""
    start = (now - timedelta(days=reminders.CATCH_UP_DAYS + 2)).date()
    end = (now + timedelta(days=max(reminders.DEFAULT_REMIND_DAYS) + 21)).date()
    out = []
    with services.uow() as uow:
        rows = uow.duties.open_due_between(start, end)
        counts: dict[int, dict[int, int]] = {}
        for duty, programme in rows:
            tz = programme.timezone
            day = reminders.latest_due(
                duty.due_on, reminders.DEFAULT_REMIND_DAYS, tz, now, since=duty.created_at
            )
            if day is None:
                continue
            if programme.id not in counts:
                counts[programme.id] = uow.duties.evidence_counts(programme.id)
            at = reminders.reminder_time(day.on, tz)
            late = reminders.is_late(day, tz, now)
            text = reminder_text(
                duty,
                counts[programme.id].get(duty.id, 0),
                now.astimezone(ZoneInfo(tz)).date(),
                format_datetime(at, tz) if late else None,
            )
            for recipient in [programme.channel_id] + ([duty.owner_id] if duty.owner_id else []):
                key = reminders.reminder_key("duty", duty.id, duty.due_on, day.on, recipient)
                out.append(
                    (key, programme, recipient, recipient != programme.channel_id, late, text)
                )
    return out


def send_duty_reminders(services, now: datetime) -> int:
    """Returns how many reminders this call sent; one failing send never stops the others."""
    if services.messenger_for_team is None:
        return 0
    sent = 0
    for key, programme, recipient, is_dm, late, text in _pending(services, now):
        messenger = services.messenger_for_team(programme.team_id)

        def post(messenger=messenger, recipient=recipient, is_dm=is_dm, text=text, key=key):
            if is_dm:
                return messenger.dm(recipient, text, metadata=metadata_for(key))
            return messenger.post(recipient, text, metadata=metadata_for(key))

        try:
            sent += deliver_once(
                services.uow,
                key,
                programme_id=programme.id,
                kind="duty-reminder",
                recipient=recipient,
                send=post,
                late=late,
                already_sent=lookup(messenger, recipient, key),
            )
        except Exception:
            log.exception("duty reminder %s failed; the next sweep tries again", key)
    return sent
