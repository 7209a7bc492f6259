"""Vote sweeps: close votes at their closing time and post the result; remind the practices that
have not voted; warn the channel when turnout is below quorum a working day before closing.

Each runs every minute in every process that runs the scheduler. Closing is
decided by the vote row's lock and state; every send goes through the
delivery ledger, so each happens exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from blocks.votes import (
    closed_vote_message,
    reminder_text,
    result_text,
    turnout_warning_text,
)
from bot.services import votes as svc
from bot.services.deliveries import deliver_once, lookup, metadata_for

log = logging.getLogger("consult.jobs.votes")


def _messenger(services, programme):
    return services.messenger_for_team(programme.team_id)


def close_votes(services, now: datetime) -> None:
    for view in svc.close_due(services.uow, now):
        log.info("closed vote %s at its closing time", view.vote.id)
    # Post every result not yet in the channel: the ones just closed, and any whose poster stopped.
    for vote_id in svc.results_to_post(services.uow, now):
        view = svc.closed_view(services.uow, vote_id)
        svc.post_result(
            services.uow,
            _messenger(services, view.programme),
            view,
            result_text(view),
            closed_vote_message(view),
        )


def remind_voters(services, now: datetime) -> None:
    for due in svc.reminders_due(services.uow, now):
        messenger = _messenger(services, due.programme)
        for user, practices in sorted(due.recipients.items()):
            key = svc.reminder_key(due.vote.id, due.slot, user)
            text = reminder_text(due, practices)
            deliver_once(
                services.uow,
                key,
                programme_id=due.programme.id,
                kind="vote-reminder",
                recipient=user,
                late=(now - due.at).total_seconds() > 3600,
                already_sent=lookup(messenger, user, key),
                send=lambda user=user, text=text, key=key: messenger.dm(
                    user, text, metadata=metadata_for(key)
                ),
            )


def warn_low_turnout(services, now: datetime) -> None:
    for view in svc.turnout_warnings_due(services.uow, now):
        key = svc.turnout_key(view.vote.id)
        channel = view.programme.channel_id
        text = turnout_warning_text(view)
        messenger = _messenger(services, view.programme)
        deliver_once(
            services.uow,
            key,
            programme_id=view.programme.id,
            kind="vote-turnout",
            recipient=channel,
            send=lambda: messenger.post(channel, text, metadata=metadata_for(key)),
            already_sent=lookup(messenger, channel, key),
        )
