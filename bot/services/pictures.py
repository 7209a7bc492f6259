"""Charts shown in Slack on request (`/consult coverage --chart`, the Home tab).

A chart is uploaded once per distinct picture: its delivery key holds a hash
of the PNG, and the ledger keeps the Slack file id, so the Home tab of every
member of a programme, opened again and again, reuses one file until the
figures change. That keeps within Slack's file-upload rate limits however
often people look.
"""

from __future__ import annotations

import hashlib
import logging

from .. import charts
from ..messenger import Messenger
from ..ports import UnitOfWork
from .deliveries import deliver_once

log = logging.getLogger("consult.pictures")

KIND = "picture"


def picture_key(programme_id: int | None, chart: charts.Chart, png: bytes) -> str:
    owner = "rollup" if programme_id is None else programme_id  # a roll-up's: several programmes
    return f"{KIND}:{owner}:{chart.name}:{hashlib.sha256(png).hexdigest()[:32]}"


def shared_picture(
    uow: UnitOfWork, messenger: Messenger, programme_id: int | None, chart: charts.Chart
) -> str | None:
    """The Slack file id of this chart's picture, uploaded now if these figures have not been
    drawn before; None if it cannot be uploaded (the caller shows text bars instead)."""
    upload = getattr(messenger, "upload_image", None)
    if upload is None:
        return None
    try:
        png = charts.draw(chart, "png")
    except Exception:
        log.exception("the %s chart could not be drawn", chart.name)
        return None
    key = picture_key(programme_id, chart, png)
    deliver_once(
        uow,
        key,
        programme_id=programme_id,
        kind=KIND,
        recipient="files",
        send=lambda: upload(f"{chart.name}.png", png, chart.title, chart.alt),
    )
    with uow:
        row = uow.deliveries.get(key)
        return row.message_ts if row is not None and row.state == "sent" else None
