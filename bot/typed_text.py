"""Free text that people type: names, titles, summaries, notes.

Terminal escape sequences and control characters never belong in a stored
name: they can't be read, they can disguise one name as another, and they
reach exports and terminals. They are removed, and what is left must have
something a reader can see, or the input is refused.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UsageError

# ANSI/VT escape sequences (CSI, OSC and two-byte ones), removed whole so no
# "[31m" is left behind.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# Format characters that hide or reorder text: bidi overrides and isolates,
# zero-width spaces, word joiner, byte order mark. (The zero-width joiner in
# emoji sequences stays.)
_HIDING = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff",
    ),
    None,
)
# Letters that render as nothing at all.
_BLANK_LETTERS = set("\u115f\u1160\u3164\uffa0\u2800")


def strip_controls(text: str, multiline: bool = False) -> str:
    """The text without escape sequences, control and hiding characters, trimmed.

    With `multiline`, line breaks are kept (as \\n); tabs become spaces.
    """
    text = _ESCAPES.sub("", text).translate(_HIDING)
    out = []
    for ch in text.replace("\r\n", "\n").replace("\t", " "):
        if ch == "\n" and multiline:
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch in "\u2028\u2029":
            out.append(" " if ch in "\n\r\u2028\u2029" else "")
        else:
            out.append(ch)
    return "".join(out).strip()


def is_visible(text: str) -> bool:
    """Whether a reader would see anything: a letter, digit, punctuation or symbol."""
    return any(
        unicodedata.category(ch)[0] in "LNPS" and ch not in _BLANK_LETTERS for ch in text or ""
    )


def clean_typed(text: str | None, what: str, *, multiline: bool = False) -> str:
    """Typed text without controls; refused when it had content but none of it is visible.

    Empty input comes back empty, for the caller's own "missing" reply. `what`
    names the field for the reply ("The stakeholder's name").
    """
    raw = text or ""
    cleaned = strip_controls(raw, multiline=multiline)
    if raw.strip() and not is_visible(cleaned):
        raise UsageError(
            f"{what} has nothing visible in it once control characters and escape "
            "sequences are removed. Type it in plain words."
        )
    return cleaned if is_visible(cleaned) else ""
