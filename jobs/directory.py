"""The daily directory sweep: each workspace's people, from users.list, once a day.

Through the delivery ledger, keyed (workspace, UTC day): however many
processes sweep, one reads the directory per day; a sweep that fails (Slack
away, a 429 beyond slack_sdk's own retries) releases the key and is tried
again at the next sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.services import deliveries
from bot.services import directory as svc

log = logging.getLogger("consult.people")


def sweep_directory(services, now: datetime) -> None:
    if services.messenger_for_team is None:
        return
    for team in svc.teams_with_programmes(services.new_uow()):
        try:
            messenger = services.messenger_for_team(team)
        except Exception as e:  # say, a workspace that uninstalled Consult
            log.info("no directory sweep for %s: %s", team, type(e).__name__)
            continue
        pages = getattr(messenger, "directory_pages", None)
        if pages is None:
            continue  # the local shell has no directory to read

        def refresh(team=team, pages=pages):
            svc.refresh_directory(services.new_uow(), team, pages())
            return None

        deliveries.deliver_once(
            services.new_uow(),
            svc.directory_key(team, now.date()),
            programme_id=None,
            kind="directory",
            recipient=team,
            send=refresh,
            # Reading the directory twice does no harm: a sweep that died part-way is taken over.
            already_sent=lambda: False,
        )
