"""The one way a sweep sends: each due message through the delivery ledger, exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.services.deliveries import DueMessage, send_once

log = logging.getLogger("consult.jobs")

Render = Callable[[DueMessage], tuple[str, list[dict] | None] | None]


def send_each(
    services, due: list[DueMessage], render: Render, *, unsure_means_unsent: bool = False
) -> int:
    """Send each message (rendered at send time) to its channel or person. Returns how many
    this call sent; one failing send never stops the others, and the next sweep retries it."""
    if services.messenger_for_team is None:
        return 0
    sent = 0
    for item in due:
        try:
            sent += send_once(
                services.new_uow(),
                services.messenger_for_team(item.programme.team_id),
                item,
                lambda item=item: render(item),
                unsure_means_unsent=unsure_means_unsent,
            )
        except Exception:
            log.exception(
                "%s %s could not be settled; the next sweep tries again", item.kind, item.key
            )
    return sent
