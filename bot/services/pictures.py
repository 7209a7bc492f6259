"""Charts shown in Slack on request (`/consult coverage --chart`, the Home tab).

A chart is drawn and uploaded once per distinct picture: its delivery key holds
a hash of the figures drawn, and the ledger keeps the Slack file id, so the Home tab of every
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
from .read_models import MISSING, ReadModelCache

log = logging.getLogger("consult.pictures")

KIND = "picture"


# Raise when bot/charts.py draws the same figures differently: every picture is then drawn and
# uploaded anew.
DRAWING = 1


def picture_key(programme_id: int | None, chart: charts.Chart) -> str:
    """The picture's ledger key, from the figures drawn (a chart is frozen data), so a picture
    already uploaded is found without drawing it again."""
    owner = "rollup" if programme_id is None else programme_id  # a roll-up's: several programmes
    figures = hashlib.sha256(repr((DRAWING, chart)).encode()).hexdigest()[:32]
    return f"{KIND}:{owner}:{chart.name}:{figures}"


# Pictures this process knew were uploaded: a sent picture's file never changes, so these skip
# the ledger's read (bounded: least recently used go first).
KNOWN_FILES = 1024


def _uploaded(uow: UnitOfWork, key: str) -> str | None:
    known: ReadModelCache | None = uow.memo.get("picture_files")
    if known is None:
        known = uow.memo.setdefault("picture_files", ReadModelCache(KNOWN_FILES))
    kept = known.get(key, KIND)
    if kept is not MISSING:
        found: str = kept
        return found
    with uow:
        row = uow.deliveries.get(key)
        file_id: str | None = row.message_ts if row is not None and row.state == "sent" else None
    if file_id is not None:
        known.put(key, KIND, file_id)
    return file_id


def shared_picture(
    uow: UnitOfWork, messenger: Messenger, programme_id: int | None, chart: charts.Chart
) -> str | None:
    """The Slack file id of this chart's picture, drawn and uploaded now if these figures have
    not been before; None if it cannot be uploaded (the caller shows text bars instead)."""
    upload = getattr(messenger, "upload_image", None)
    if upload is None:
        return None
    key = picture_key(programme_id, chart)
    if (file_id := _uploaded(uow, key)) is not None:
        return file_id  # drawing is most of a chart's cost; these figures were drawn before
    try:
        png = charts.draw(chart, "png")
    except Exception:
        log.exception("the %s chart could not be drawn", chart.name)
        return None
    deliver_once(
        uow,
        key,
        programme_id=programme_id,
        kind=KIND,
        recipient="files",
        send=lambda: upload(f"{chart.name}.png", png, chart.title, chart.alt),
    )
    return _uploaded(uow, key)
