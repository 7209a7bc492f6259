"""The personal digest sweep: each person's own digest, as a DM, exactly once per period.

What is due comes from the settings and the ledger (bot/services/personal_digests.py);
each digest is composed when it is sent, and one with nothing in it is settled
without a message. DMs are spaced a little, and slack_sdk's retry handler waits
out a 429 as Retry-After says, so a national sweep stays inside Slack's limits.
"""

from __future__ import annotations

import time
from datetime import datetime

from blocks.personal_digest import personal_digest_message
from bot.services import personal_digests
from bot.services.deliveries import DueMessage

from .sending import send_each

# chat.postMessage allows about one message a second per conversation, with bursts; each
# DM is its own conversation, but a workspace-wide burst of thousands is still spaced.
DM_SPACING_SECONDS = 0.05
# At most this many per tick, so that the sweep stays well inside its minute and the
# reminders and votes behind it keep their time; the rest go at the next ticks.
MAX_PER_SWEEP = 500


def render(services, item: DueMessage, now: datetime):
    d = personal_digests.personal_digest_of(services.new_uow(), item, now)
    if d.empty:
        return None  # nothing for them this time: settled, not sent
    with services.new_uow() as uow:
        row = uow.personal_digests.setting(item.about.team_id, item.about.user_id)
    if row is None:
        return None  # turned off since the sweep read it
    if DM_SPACING_SECONDS:
        time.sleep(DM_SPACING_SECONDS)
    return personal_digest_message(d, row.frequency, late=item.late)


def send_personal_digests(services, now: datetime) -> int:
    """Send what is due; one failing send never stops the others. Returns how many were sent."""
    return send_each(
        services,
        personal_digests.personal_digests_due(services.new_uow(), now)[:MAX_PER_SWEEP],
        lambda item: render(services, item, now),
        unsure_means_unsent=True,
    )
