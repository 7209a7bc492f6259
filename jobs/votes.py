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

from .sending import send_each

log = logging.getLogger("consult.jobs.votes")


def close_votes(services, now: datetime) -> None:
    for view in svc.close_due(services.new_uow(), now):
        log.info("closed vote %s at its closing time", view.vote.id)
    # Post every result not yet in the channel: the ones just closed, and any whose poster stopped.
    for vote_id in svc.results_to_post(services.new_uow(), now):
        view = svc.closed_view(services.new_uow(), vote_id)
        svc.post_result(
            services.new_uow(),
            services.messenger_for_team(view.programme.team_id),
            view,
            result_text(view),
            closed_vote_message(view),
        )


def remind_voters(services, now: datetime) -> int:
    return send_each(
        services,
        svc.reminders_due(services.new_uow(), now),
        lambda item: (reminder_text(item.about), None),
    )


def warn_low_turnout(services, now: datetime) -> int:
    return send_each(
        services,
        svc.turnout_warnings_due(services.new_uow(), now),
        lambda item: (turnout_warning_text(item.about), None),
    )
