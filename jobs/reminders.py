"""The reminder sweep: deadline and meeting reminders, snoozed reminders, follow-up actions.

Every minute it works out, from the database alone, which reminder each
open item should have had by now (the latest one only), and sends each
(item, due date, reminder day, recipient) through the delivery ledger, so
a restart, a second process or downtime never doubles or loses one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from blocks import reminders as blocks
from bot import reminders
from bot.dates import format_datetime
from bot.services.deliveries import deliver_once, lookup, metadata_for

log = logging.getLogger("consult.reminders")


@dataclass
class Pending:
    """One message to send: where, the ledger key, and how to build it at send time."""

    key: str
    programme: object
    recipient: str  # a channel id, or a user id for a DM
    is_dm: bool
    kind: str
    late: bool
    build: Callable[[], tuple[str, list[dict] | None] | None]


def _late_since(day_on, tz: str, now: datetime) -> str | None:
    at = reminders.reminder_time(day_on, tz)
    return format_datetime(at, tz) if now - at > reminders.LATE_AFTER else None


def _today(programme, now: datetime):
    return now.astimezone(ZoneInfo(programme.timezone)).date()


def _deadline_builder(services, deadline_id: int, due_on, day_on, now: datetime):
    """Built at send time from a fresh read: a deadline closed or moved since the sweep read it sends nothing."""

    def build():
        with services.uow() as uow:
            d = uow.deadlines.get(deadline_id)
            if d is None or d.state != "open" or d.due_on != due_on:
                return None
            programme = uow.programmes.get(d.programme_id)
            owners = uow.deadlines.owners([d.id])[d.id]
        today = _today(programme, now)
        late = _late_since(day_on, programme.timezone, now)
        return (
            blocks.reminder_text(d, owners, today, late),
            blocks.reminder_blocks(d, owners, today, late),
        )

    return build


def collect(services, now: datetime) -> list[Pending]:
    """Everything that should have been sent by `now` and is not yet recorded as sent."""
    window_start = (now - timedelta(days=reminders.CATCH_UP_DAYS + 2)).date()
    window_end = (now + timedelta(days=reminders.MAX_REMIND_DAYS + 2)).date()
    pending: list[Pending] = []
    with services.uow() as uow:
        items = uow.deadlines.open_due_between(window_start, window_end)
        owners = uow.deadlines.owners([d.id for d, _ in items])
        reminder_days_of = {}
        for d, programme in items:
            days = reminders.stored_remind_days(d.remind_days)
            reminder_days_of[d.id] = {r.on for r in reminders.reminder_days(d.due_on, days)}
            day = reminders.latest_due(d.due_on, days, programme.timezone, now, since=d.updated_at)
            if day is None:
                continue
            late = reminders.is_late(day, programme.timezone, now)
            build = _deadline_builder(services, d.id, d.due_on, day.on, now)
            for recipient in [programme.channel_id, *owners[d.id]]:
                key = reminders.reminder_key("reminder", d.id, d.due_on, day.on, recipient)
                pending.append(
                    Pending(
                        key,
                        programme,
                        recipient,
                        recipient != programme.channel_id,
                        "reminder",
                        late,
                        build,
                    )
                )

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
            pending.append(
                Pending(
                    key,
                    programme,
                    snooze.user_id,
                    True,
                    "reminder",
                    reminders.is_late(
                        reminders.ReminderDay(snooze.remind_on, ()), programme.timezone, now
                    ),
                    _deadline_builder(services, d.id, d.due_on, snooze.remind_on, now),
                )
            )

        for action, programme in uow.deadlines.open_actions_due_between(window_start, window_end):
            day = reminders.latest_due(
                action.due_on,
                reminders.ACTION_REMIND_DAYS,
                programme.timezone,
                now,
                since=action.created_at,
            )
            if day is None:
                continue
            today = _today(programme, now)
            text = blocks.action_reminder_text(
                action, today, _late_since(day.on, programme.timezone, now)
            )
            key = reminders.reminder_key(
                "action", action.id, action.due_on, day.on, action.owner_id
            )
            pending.append(
                Pending(
                    key,
                    programme,
                    action.owner_id,
                    True,
                    "action-reminder",
                    reminders.is_late(day, programme.timezone, now),
                    lambda text=text: (text, None),
                )
            )

        done = uow.deadlines.sent_among(p.key for p in pending)
    return [p for p in pending if p.key not in done]


def send(services, item: Pending) -> bool:
    """Send one reminder exactly once. True if this call sent it."""
    messenger = services.messenger_for_team(item.programme.team_id)

    def post():
        message = item.build()
        if message is None:
            return None  # closed or moved meanwhile: settled with nothing to send
        text, message_blocks = message
        if item.is_dm:
            return messenger.dm(
                item.recipient, text, message_blocks, metadata=metadata_for(item.key)
            )
        return messenger.post(item.recipient, text, message_blocks, metadata=metadata_for(item.key))

    # Without a way to search Slack (the shell), a stale claim is taken as not sent.
    already_sent = lookup(messenger, item.recipient, item.key) or (lambda: None)
    return deliver_once(
        services.uow,
        item.key,
        programme_id=item.programme.id,
        kind=item.kind,
        recipient=item.recipient,
        send=post,
        late=item.late,
        already_sent=already_sent,
    )


def send_due_reminders(services, now: datetime) -> int:
    """Send what is due; one failing send never stops the others. Returns how many were sent."""
    if services.messenger_for_team is None:
        return 0
    sent = 0
    for item in collect(services, now):
        try:
            sent += send(services, item)
        except Exception:
            log.exception("reminder %s could not be settled; the next sweep tries again", item.key)
    return sent
