"""Slack's Block Kit limits, and the few block builders every message uses.

One rule for text too long for its place: it is cut one character short and
ends with "…", so a reader sees that something was left out. Where nothing
may be lost (the digest), text is split across blocks instead
(`section_chunks`), never cut.
"""

from __future__ import annotations

MAX_BLOCKS = 50  # blocks in one message
MAX_VIEW_BLOCKS = 100  # blocks in a modal or the Home tab
MAX_SECTION = 3000  # a section's text
MAX_HEADER = 150  # a header's text
MAX_CONTEXT = 2000  # a context element's text
MAX_LABEL = 75  # a button's text, an option's text, an input's label
MAX_TITLE = 24  # a modal's title and its submit and close buttons
MAX_OPTION_VALUE = 150  # an option's value
MAX_BUTTONS = 25  # elements in one actions block
MAX_FIELDS = 10  # fields in one section
MAX_OPTIONS = 100  # options (or option groups) in a select
MAX_MESSAGE_CHARS = 12_000  # below the ~13,000 at which Slack answers msg_blocks_too_long
MAX_ALT = 2000  # an image block's alt_text
MAX_FALLBACK = 300  # the notification text (ours: Slack takes more, people read less)
EPHEMERAL_REPLIES = 5  # a response_url takes at most 5 answers


def clip(text: str, limit: int) -> str:
    """The one truncation rule: within `limit`, ending in "…" when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """Plain text that must stay on one line (headers, notifications), clipped."""
    return clip(" ".join(text.split()), limit)


def plain(text: str, limit: int = MAX_LABEL) -> dict:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(" ".join(text.split()), MAX_HEADER)}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION)}}


def fields(*texts: str) -> dict:
    """A section of side-by-side fields (each mrkdwn; Slack shows at most ten)."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": clip(t, MAX_CONTEXT)} for t in texts[:MAX_FIELDS]],
    }


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_CONTEXT)}]}


def image(file_id: str, title: str, alt: str) -> dict:
    """A picture the app uploaded, named by its file id (`slack_file`): the file stays the app's,
    and Slack shows it inside the message or view to everyone who can see that."""
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": clip(alt, MAX_ALT),
        "title": plain(title, MAX_HEADER),
    }


def divider() -> dict:
    return {"type": "divider"}


def button(action_id: str, label: str, value: str | None = None, style: str | None = None) -> dict:
    b = {"type": "button", "action_id": action_id, "text": plain(label)}
    if value is not None:
        b["value"] = value
    if style:
        b["style"] = style
    return b


def actions(block_id: str, elements: list[dict]) -> dict:
    return {"type": "actions", "block_id": block_id, "elements": elements[:MAX_BUTTONS]}


def option(label: str, value: str) -> dict:
    return {"text": plain(label), "value": value}


def split_long_line(line: str, limit: int) -> list[str]:
    """A single line longer than `limit`, broken at spaces (or hard, if it has none)."""
    pieces = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit)
        if cut <= limit // 2:
            cut = limit
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces


def section_chunks(text: str, limit: int = MAX_SECTION) -> list[str]:
    """A section's text as section-block texts of at most `limit` characters, split between lines.
    The first line is the section's title; a continuation repeats it, marked (continued)."""
    lines = text.split("\n")
    title, body = lines[0], lines[1:]
    continued = f"{title} (continued)"
    chunks: list[str] = []
    current = title
    for line in body:
        room = limit - len(current) - 1
        if len(line) <= room:
            current += "\n" + line
            continue
        for piece in split_long_line(line, limit - len(continued) - 1):
            if len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = continued
            current += "\n" + piece
    chunks.append(current)
    return chunks


def text_size(block: dict) -> int:
    """The characters of a block that count towards msg_blocks_too_long."""
    if block["type"] in ("section", "header") and "text" in block:
        return len(block["text"]["text"])
    if block["type"] == "context":
        return sum(len(e.get("text", "")) for e in block["elements"])
    return 0
