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

from blocks.digest import Picture, digest_messages, render_content
from bot.digest import week_of
from bot.ports import UnitOfWork
from bot.services import digests
from bot.services.deliveries import deliver_once, lookup, metadata_for
from bot.services.digests import DueDigest

log = logging.getLogger("consult.digest")

# Slack allows about one message per second per channel (with short bursts); spacing every post
# by this much keeps a large Monday morning well inside that, with retries for anything beyond.
POST_SPACING_SECONDS = 1.0
# One tick posts for at most this long, then leaves the rest (still due, per the ledger) to the
# next minute's tick, so the other sweeps (reminders, vote closing) are never held up for long.
TICK_BUDGET_SECONDS = 40.0


def sweep_digests(services, now: datetime) -> None:
    due = digests.digests_due(services.new_uow(), now, services.settings.timezone)
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
            content = digests.compose_due(services.new_uow(), d, now)
            if content is None:
                log.info(
                    "digest %s has nothing to send any more (programme gone or nothing followed)",
                    d.key,
                )
                continue
            rendered = render_content(content)
            messages = digest_messages(rendered)  # for the log line; the post may carry pictures

            def compose(images, rendered=rendered):
                return [tuple(m) for m in digest_messages(rendered, images=images)]

            complete = deliver_digest(
                services.new_uow(),
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


def deliver_digest(
    uow: UnitOfWork,
    due: DueDigest,
    messenger,
    messages,
    pause=lambda: None,
    pictures: list[Picture] | None = None,
) -> bool:
    """Post the digest (first message) and its continuation (in the first message's thread), each
    exactly once. True when all of it is in Slack; otherwise the next sweep finishes it.

    `messages` are (text, blocks) pairs, or, with `pictures`, a function from the pictures that
    reached Slack ({name: file id}) to those pairs; the first goes to the channel, the rest into
    its thread. Pictures are uploaded first, each once through the ledger too; one that cannot
    be uploaded is replaced by its text bars, and never holds up or repeats the digest.
    """

    def post(key: str, text: str, blocks, thread_ts=None):
        return lambda: messenger.post(
            due.channel_id, text, blocks, thread_ts=thread_ts, metadata=metadata_for(key)
        )

    compose = messages if callable(messages) else (lambda _images: messages)
    shown: dict[str, str] = {}
    if pictures and digests.sent_delivery(uow, due.key) is None:
        shown = upload_pictures(uow, due, messenger, pictures, pause)
    messages = compose(shown)

    def post_first():
        text, blocks = messages[0]
        try:
            return post(due.key, text, blocks)()
        except Exception as e:
            if not shown or "invalid_blocks" not in str(e):
                raise
            # Slack may refuse an image it has not finished processing (invalid_blocks): try once
            # more after a pause, then post the text bars instead of the pictures.
            log.warning("digest %s with pictures refused (%s); retrying", due.key, e)
            pause()
            try:
                return post(due.key, text, blocks)()
            except Exception as again:
                log.warning("digest %s posted with text bars (%s)", due.key, again)
                text, blocks = compose({})[0]
                return post(due.key, text, blocks)()

    # A claim left by a process that died mid-post is settled by looking for the key in the channel
    # (message metadata). Thread replies are not in the channel's history: a stale claim of one is
    # posted again, so a crash at that instant can repeat a reply but never lose it.
    deliver_once(
        uow,
        due.key,
        programme_id=due.programme_id,
        kind=due.kind,
        recipient=due.channel_id,
        send=post_first,
        late=due.late,
        already_sent=lookup(messenger, due.channel_id, due.key),
    )
    parent = digests.sent_delivery(uow, due.key)
    if parent is None:
        return False
    for n, (text, blocks) in enumerate(messages[1:], start=2):
        key = due.part_key(n)
        pause()
        deliver_once(
            uow,
            key,
            programme_id=due.programme_id,
            kind=due.kind,
            recipient=due.channel_id,
            send=post(key, text, blocks, parent.message_ts),
            late=due.late,
            already_sent=lambda: None,
        )
        if digests.sent_delivery(uow, key) is None:
            return False
    # The whole digest is in Slack: the sweep can stop looking at it this week.
    deliver_once(
        uow,
        due.done_key,
        programme_id=due.programme_id,
        kind=due.kind,
        recipient=due.channel_id,
        send=lambda: parent.message_ts,
        late=due.late,
    )
    return True


def upload_pictures(uow: UnitOfWork, due: DueDigest, messenger, pictures, pause) -> dict[str, str]:
    """Upload each picture once (the ledger keeps its file id as the delivery's ts); returns the
    ones in Slack. A failed upload is logged and left out: the digest shows its text bars."""
    shown: dict[str, str] = {}
    upload = getattr(messenger, "upload_image", None)
    if upload is None:
        return shown
    for n, picture in enumerate(pictures):
        key = due.picture_key(picture.name)
        try:
            content = picture.png()
        except Exception:
            log.exception("digest %s: the %s chart could not be drawn", due.key, picture.name)
            continue
        if n:
            pause()  # files.getUploadURLExternal and completeUploadExternal: Tier 4 (~100 a minute)
        deliver_once(
            uow,
            key,
            programme_id=due.programme_id,
            kind=due.kind,
            recipient=due.channel_id,
            send=lambda: upload(
                f"{picture.name}-{week_of(due.scheduled)}.png", content, picture.title, picture.alt
            ),
            late=due.late,
        )
        row = digests.sent_delivery(uow, key)
        if row is not None and row.message_ts:
            shown[picture.name] = row.message_ts
        else:
            log.warning("digest %s: the %s chart is shown as text bars", due.key, picture.name)
    return shown
