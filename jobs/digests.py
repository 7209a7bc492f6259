"""The weekly digest sweep.

Every minute: which programmes' (and roll-up channels') digests are due this
local day and not yet wholly in Slack. Each is posted through the delivery
ledger keyed (programme, ISO week), so restarts, a second scheduler or a
crash never post it twice, and a failed post (a 429 beyond slack_sdk's own
Retry-After retries, a 5xx, a timeout) is retried at the next sweep rather
than lost. Posts are spaced out so that a Monday 09:00 with many programmes
does not burst into Slack's rate limits. A digest's charts (coverage, positions)
are uploaded first, each once through the same ledger, and shown as image
blocks; a chart that cannot be uploaded is shown as text bars instead.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from blocks.digest import digest_messages
from bot.services import digests

log = logging.getLogger("consult.digest")

# Slack allows about one message per second per channel (with short bursts); spacing every post
# by this much keeps a large Monday morning well inside that, with retries for anything beyond.
POST_SPACING_SECONDS = 1.0
# One tick posts for at most this long, then leaves the rest (still due, per the ledger) to the
# next minute's tick, so the other sweeps (reminders, vote closing) are never held up for long.
TICK_BUDGET_SECONDS = 40.0


def sweep_digests(services, now: datetime) -> None:
    due = digests.digests_due(services.uow, now, services.settings.timezone)
    if not due:
        return
    if services.messenger_for_team is None:
        log.warning(
            "%d digest(s) are due but this process has no way to reach Slack; they wait", len(due)
        )
        return
    log.info("%d digest(s) due: %s", len(due), ", ".join(d.key for d in due))

    last_call = [time.monotonic() - POST_SPACING_SECONDS]

    def pause():
        # Spacing, not a fixed sleep: the time spent drawing charts and composing the next digest
        # since the last call to Slack counts towards it.
        wait = POST_SPACING_SECONDS - (time.monotonic() - last_call[0])
        if wait > 0:
            time.sleep(wait)
        last_call[0] = time.monotonic()

    started = time.monotonic()
    for n, d in enumerate(due):
        if n:
            if time.monotonic() - started >= TICK_BUDGET_SECONDS:
                log.info(
                    "%d digest(s) left for the next tick (this one has posted for %.0f s)",
                    len(due) - n,
                    time.monotonic() - started,
                )
                return
            pause()
        try:
            rendered = digests.compose_due(services.uow, d, now)
            if rendered is None:
                log.info(
                    "digest %s has nothing to send any more (programme gone or nothing followed)",
                    d.key,
                )
                continue
            messages = digest_messages(rendered)  # for the log line; the post may carry pictures

            def compose(images, rendered=rendered):
                return [tuple(m) for m in digest_messages(rendered, images=images)]

            complete = digests.deliver_digest(
                services.uow,
                d,
                services.messenger_for_team(d.team_id),
                compose,
                pause=pause,
                pictures=rendered.pictures,
            )
        except Exception:
            log.exception("digest %s could not be prepared; the next sweep tries again", d.key)
            continue
        if complete:
            log.info(
                "digest %s is in channel %s (%d message%s%s)",
                d.key,
                d.channel_id,
                len(messages),
                "" if len(messages) == 1 else "s",
                ", late" if d.late else "",
            )
        else:
            log.warning(
                "digest %s is not wholly posted yet (Slack refused or another process holds it); "
                "the next sweep carries on",
                d.key,
            )
