"""`python app.py scheduler`: the scheduled work alone, until SIGTERM or Ctrl-C.

For deployments that run several `serve --no-scheduler` processes and one
(or, for safety, two) of these: only one leads at a time.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from dataclasses import replace

from .command import cli_command

log = logging.getLogger("consult.scheduler")


def _configure(parser) -> None:
    parser.add_argument(
        "--tick-seconds",
        type=int,
        default=60,
        help="how often to look for due work (default 60; the leader changes within one tick)",
    )


@cli_command(
    "scheduler",
    "Run the scheduled work (reminders, digests, vote closing) without serving HTTP",
    _configure,
)
def scheduler_cli(services, args) -> int:
    from handlers.slack_workspaces import slack_messenger_factory
    from jobs.scheduler import start_scheduler

    settings = services.settings
    if not (settings.slack_bot_token or settings.oauth):
        print(
            "Consult's scheduler can't start: it posts to Slack, so set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET for many workspaces). To try Consult without Slack, run `python app.py shell`.",
            file=sys.stderr,
        )
        return 2
    if not 1 <= args.tick_seconds <= 3600:
        print("--tick-seconds must be from 1 to 3600.", file=sys.stderr)
        return 2
    services = replace(services, messenger_for_team=slack_messenger_factory(services))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = start_scheduler(services, tick_seconds=args.tick_seconds)
    log.info(
        "scheduler started (tick every %ss); stop it with SIGTERM or Ctrl-C", args.tick_seconds
    )
    try:
        while not stop.wait(1):
            pass
    finally:
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
    return 0
