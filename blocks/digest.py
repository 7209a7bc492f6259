"""Block Kit for the weekly digest, within Slack's limits however large the programme.

Slack refuses a message with more than 50 blocks, a section text over 3,000
characters or a header over 150, and (msg_blocks_too_long) one whose blocks
add up to much over 13,000 characters. A long digest is therefore split: the
first message carries the headline and as much as fits, and the rest follows
as replies in its thread. Nothing is cut: a long section continues in the
next block, marked "(continued)".
"""

from __future__ import annotations

from dataclasses import dataclass

from .kit import (
    EPHEMERAL_REPLIES,
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_HEADER,
    MAX_MESSAGE_CHARS,
    context,
    divider,
    header,
    image,
    one_line,
    section,
    section_chunks,
    text_size,
)


@dataclass
class Message:
    text: str  # notification / fallback text
    blocks: list[dict]

    def __iter__(self):  # (text, blocks), as the delivery service takes it
        return iter((self.text, self.blocks))


def digest_messages(
    rendered,
    max_blocks: int = MAX_BLOCKS,
    max_chars: int = MAX_MESSAGE_CHARS,
    images: dict[str, str] | None = None,
) -> list[Message]:
    """A RenderedDigest as one message, or a message and its thread replies. Its pictures follow
    the headline: an image block for each one uploaded (`images`: picture name -> Slack file id),
    and its text bars for each one that is not."""
    title = one_line(rendered.title, MAX_HEADER)
    lead = [header(title), section(f"*{rendered.headline}*")]
    for picture in getattr(rendered, "pictures", None) or []:
        file_id = (images or {}).get(picture.name)
        lead.append(
            image(file_id, picture.title, picture.alt) if file_id else section(picture.fallback)
        )
    body: list[list[dict]] = []  # each section's blocks, kept in order
    for s in rendered.sections:
        body.append([section(chunk) for chunk in section_chunks(s.text)])
    notes = [context(note) for note in rendered.notes if note]

    # One block and its characters are kept free in every message for "continued in the thread" / "part i of n".
    reserve_blocks, reserve_chars = 1, 120
    messages: list[list[dict]] = [list(lead)]

    def fits(msg: list[dict], block: dict) -> bool:
        return (
            len(msg) + 1 + reserve_blocks <= max_blocks
            and sum(text_size(b) for b in msg) + text_size(block) + reserve_chars <= max_chars
        )

    for blocks in body:
        for i, block in enumerate(blocks):
            msg = messages[-1]
            lead_in = [divider()] if i == 0 and msg and msg[-1]["type"] != "header" else []
            if not fits(msg, block) or len(msg) + len(lead_in) + 1 + reserve_blocks > max_blocks:
                messages.append([])
                msg = messages[-1]
                lead_in = []
            msg.extend(lead_in)
            msg.append(block)
    for note in notes:
        if not fits(messages[-1], note):
            messages.append([])
        messages[-1].append(note)

    total = len(messages)
    out = []
    for n, blocks in enumerate(messages, start=1):
        if total > 1:
            if n == 1:
                blocks.append(
                    context(
                        f"Continued in the thread ({total - 1} more message"
                        f"{'s' if total > 2 else ''})."
                    )
                )
            else:
                blocks.insert(0, context(f"{one_line(title, 100)}, part {n} of {total}"))
        text = f"{title}: {rendered.headline}" if n == 1 else f"{title} (part {n} of {total})"
        out.append(Message(one_line(text, MAX_FALLBACK), blocks))
    return out


def ephemeral_messages(messages: list[Message], limit: int = EPHEMERAL_REPLIES) -> list[Message]:
    """What `digest now` can show: Slack takes at most 5 replies to one command."""
    if len(messages) <= limit:
        return messages
    kept = messages[:limit]
    rest = len(messages) - limit
    note = context(
        f"{rest} more message{'s' if rest != 1 else ''} of this digest do not fit in a reply to one "
        "command; the weekly post in the channel has all of it, in its thread."
    )
    last = kept[-1]
    blocks = last.blocks if len(last.blocks) < MAX_BLOCKS else last.blocks[:-1]
    kept[-1] = Message(last.text, blocks + [note])
    return kept
