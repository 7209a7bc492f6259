"""Charts in a reply: image blocks above the text, with text bars standing in when Slack will not
show a picture (`/consult coverage --chart`, `/consult stakeholder map --chart`, the digest)."""

from __future__ import annotations

from blocks.kit import MAX_BLOCKS, image, section, section_chunks
from bot import charts
from bot.services.pictures import shared_picture

from .subcommand import CommandRequest


def picture_blocks(
    req: CommandRequest, programme_id: int, wanted: list, text: str
) -> tuple[list[dict], list[dict]]:
    """The charts as image blocks (each uploaded once per distinct picture), then the text; and
    the same with text bars for every chart, for when Slack will not show a picture. A chart that
    cannot be uploaded shows as its text bars in both."""
    blocks, bars = [], []
    for c in wanted:
        file_id = shared_picture(req.uow, req.out, programme_id, c)
        bars.append(section(charts.text_bars(c)))
        blocks.append(image(file_id, c.title, c.alt) if file_id else bars[-1])
    body = [section(chunk) for chunk in section_chunks(text)][: MAX_BLOCKS - len(blocks)]
    return blocks + body, bars + body
