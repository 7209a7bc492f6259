"""Scheduled work. Fixed sweeps run every minute and find what is due in the
project's own tables; the delivery ledger makes each send exactly-once.

SWEEPS lists every sweep: a function `(services, now)` in its feature's
module here; jobs/scheduler.py runs them all at each tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from storage.uow import one_connection

from . import (
    digests,
    directory,
    duties,
    personal_digests,
    reminders,
    retention,
    slack_events,
    votes,
)

log = logging.getLogger("consult.jobs")


@dataclass
class Sweep:
    name: str
    run: Callable[[object, datetime], None]
    every_seconds: int = 60


SWEEPS: dict[str, Sweep] = {
    s.name: s
    for s in [
        Sweep("digests", digests.sweep_digests),
        Sweep("directory", directory.sweep_directory, every_seconds=600),
        Sweep("duty-reminders", duties.send_duty_reminders),
        Sweep("forget_old_slack_events", slack_events.forget_old_slack_events, every_seconds=3600),
        Sweep("reminders", reminders.send_due_reminders),
        Sweep("retention.purge", retention.purge_expired_programmes, every_seconds=3600),
        Sweep("votes.close", votes.close_votes),
        Sweep("votes.remind", votes.remind_voters),
        Sweep("votes.turnout", votes.warn_low_turnout),
        # Last: at national scale its 09:00 tick is the longest, and nothing waits behind it.
        Sweep("personal-digests", personal_digests.send_personal_digests),
    ]
}


def run_sweeps(services, now: datetime) -> None:
    """Run every sweep once; one failing sweep never stops the others."""
    # Sweeps slower than the tick skip ticks. Only pacing lives here: what is
    # due, and what was sent, live in the database.
    last_run = services.sweeps_last_run
    for s in SWEEPS.values():
        last = last_run.get(s.name)
        if (
            s.every_seconds > 60
            and last is not None
            and 0 <= (now - last).total_seconds() < s.every_seconds
        ):
            continue
        last_run[s.name] = now
        try:
            # One connection for the whole sweep, as for a worker job: a digest sweep opens
            # several units of work per programme, each of which would check one out (and ping it).
            with one_connection(services.engine) if services.engine is not None else nullcontext():
                s.run(services, now)
        except Exception:
            log.exception("sweep %s failed; it runs again at the next tick", s.name)
