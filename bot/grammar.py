"""The `/consult` command grammar: words, quotes, `--options`, mentions.

Pure functions; every failure is a UsageError that says what was wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from .dates import looks_like_date
from .errors import UsageError

# Straight quotes and the curly ones Slack (and phones) put in.
_OPEN_CLOSE = {
    '"': '"',
    "\u201c": "\u201d",
    "\u201d": "\u201d",
    "\u201e": "\u201d",
    "'": "'",
    "\u2018": "\u2019",
}
_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$")
_PLAIN_USER = re.compile(r"^@([\w.\-]{1,80})$")
# Options whose value is a date: it may be several words (`--closes 4 March 2027`).
DATE_OPTIONS = frozenset({"date", "closes", "due", "decision", "on", "since", "until"})


class Word(str):
    """A token, remembering which of its commas were inside quotes.

    `items` is the token as a comma-separated list: a quoted part is one
    item whatever commas it has (`"Smith, Jones and Partners",E85001` is two).
    """

    items: list[str]


def _word(pieces: list[tuple[str, bool]]) -> Word:
    word = Word("".join(text for text, _ in pieces))
    items, current = [], ""
    for text, quoted in pieces:
        if quoted:
            current += text
            continue
        parts = text.split(",")
        current += parts[0]
        for part in parts[1:]:
            items.append(current)
            current = part
    items.append(current)
    word.items = items
    return word


def quote(text: str) -> str:
    """A word as it must be typed to come back as one token (quoted if it needs to be)."""
    if text and not any(ch.isspace() or ch in ",\"'\u201c\u201d" for ch in text):
        if not text.startswith(("--", "\u2014", "\u2013")):
            return text
    return f"\u201c{text}\u201d" if '"' in text else f'"{text}"'


def list_items(words: list[str]) -> list[str]:
    """The items of a comma-separated list typed as one or more words (`A1, "B, C",D2`)."""
    items: list[str] = []
    for w in words:
        items += getattr(w, "items", None) or w.split(",")
    return [i.strip() for i in items if i.strip()]


def tokenize(text: str) -> list[str]:
    """Split on spaces; "..." (straight or curly) keeps spaces together."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        buf: list[str] = []
        quoted: list[bool] = []  # per piece of buf: whether it was inside quotes
        while i < n and not text[i].isspace():
            ch = text[i]
            # A quote opens only at the start of a word, after '=' or after a list's comma:
            # it's an apostrophe otherwise.
            if (
                ch in _OPEN_CLOSE
                and (not buf or buf[-1] in ("=", ","))
                and (ch not in "'\u2018" or not buf)
            ):
                close = _OPEN_CLOSE[ch]
                closers = {close, '"'} if ch != "'" else {"'"}
                if ch in "\u201c\u201d\u201e":
                    closers |= {"\u201c", "\u201d"}
                j = i + 1
                while j < n and text[j] not in closers:
                    j += 1
                if j >= n:
                    if ch in "'\u2018":  # a lone apostrophe is just a letter
                        buf.append(ch)
                        quoted.append(False)
                        i += 1
                        continue
                    raise UsageError(
                        f"A quote ({ch}) is not closed. Put the closing quote after the text."
                    )
                buf.append(text[i + 1 : j])
                quoted.append(True)
                i = j + 1
                continue
            buf.append(ch)
            quoted.append(False)
            i += 1
        tokens.append(_word(list(zip(buf, quoted, strict=True))))
    return tokens


@dataclass
class Parsed:
    """Positional words and `--options` of one command line."""

    words: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)

    def opt(self, name: str, default: str | None = None) -> str | None:
        values = self.options.get(name)
        return values[-1] if values else default

    def all(self, name: str) -> list[str]:
        return self.options.get(name, [])

    def flag(self, name: str) -> bool:
        return name in self.options


def parse(
    tokens: list[str],
    value_options: AbstractSet[str] = frozenset(),
    flags: AbstractSet[str] = frozenset(),
    usage: str | None = None,
) -> Parsed:
    """Separate `--name value` options and `--flag`s from positional words."""
    known = set(value_options) | set(flags)
    out = Parsed()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("--") or tok.startswith("\u2014") or tok.startswith("\u2013"):
            # Phones turn -- into an em or en dash.
            name = tok.lstrip("-\u2014\u2013")
            value = None
            if "=" in name:
                name, value = name.split("=", 1)
            name = name.lower()
            if name not in known:
                hint = closest(name, known)
                raise UsageError(
                    f"`--{name}` is not an option here."
                    + (f" Did you mean `--{hint}`?" if hint else ""),
                    usage,
                )
            if name in flags:
                if value is not None:
                    raise UsageError(f"`--{name}` takes no value.", usage)
                out.options.setdefault(name, []).append("")
            else:
                if value is None:
                    if i + 1 >= len(tokens) or (
                        tokens[i + 1].startswith("--") and len(tokens[i + 1]) > 2
                    ):
                        raise UsageError(f"`--{name}` needs a value after it.", usage)
                    i += 1
                    value = tokens[i]
                if name in DATE_OPTIONS:
                    value, i = _date_words(tokens, i, value)
                out.options.setdefault(name, []).append(value)
        else:
            out.words.append(tok)
        i += 1
    return out


def _is_option(token: str) -> bool:
    return (token.startswith("--") and len(token) > 2) or token.startswith(("\u2014", "\u2013"))


def _date_words(tokens: list[str], i: int, value: str) -> tuple[str, int]:
    """A date option's value: the words after it up to the next option, as long as they are a date.

    The longest run that reads as a date is taken, so a positional word after
    the date stays one; if no run does, all of them are, so that the reply
    blames the date rather than what follows it.
    """
    run: list[str] = []
    j = i + 1
    while j < len(tokens) and not _is_option(tokens[j]):
        run.append(tokens[j])
        j += 1
    if not run:
        return value, i
    for k in range(len(run), -1, -1):
        if looks_like_date(" ".join([value, *run[:k]])):
            return " ".join([value, *run[:k]]), i + k
    return " ".join([value, *run]), i + len(run)


def closest(word: str, choices: Collection[str]) -> str | None:
    match = difflib.get_close_matches(word.lower(), sorted(choices), n=1, cutoff=0.5)
    if match:
        return match[0]
    prefixed = (
        [c for c in sorted(choices) if c.startswith(word.lower()[:3])] if len(word) >= 3 else []
    )
    return prefixed[0] if prefixed else None


def user_id(token: str) -> str:
    """A Slack mention `<@U123|name>` (or `@name` in the local shell) -> the user id."""
    m = _MENTION.match(token.strip())
    if m:
        return m.group(1)
    m = _PLAIN_USER.match(token.strip())
    if m:
        return m.group(1)
    raise UsageError(f"{token!r} is not a person. Mention them with @, like @jane.")


def channel_id(token: str) -> str:
    m = _CHANNEL.match(token.strip())
    if m:
        return m.group(1)
    if token.startswith("#") and len(token) > 1:
        return token[1:]
    raise UsageError(f"{token!r} is not a channel. Name it with #, like #area-team.")


def parse_int(text: str, what: str, minimum: int = 0, maximum: int = 10**9) -> int:
    cleaned = text.replace(",", "").replace("_", "").strip()
    if not re.fullmatch(r"-?\d{1,12}", cleaned):
        raise UsageError(f"{what} must be a whole number, not {text!r}.")
    value = int(cleaned)
    if not minimum <= value <= maximum:
        raise UsageError(
            f"{what} must be from {_number(minimum)} to {_number(maximum)}, not {_number(value)}."
        )
    return value


def _number(n: int) -> str:
    """10,000 and above with separators; years and small numbers without (2000, not 2,000)."""
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def parse_percent(text: str, what: str = "The quorum") -> int:
    return parse_int(text.strip().rstrip("%"), what, 0, 100)


def choice(text: str, choices: list[str], what: str, usage: str | None = None) -> str:
    value = text.strip().lower()
    if value in choices:
        return value
    hint = closest(value, choices)
    raise UsageError(
        f"{text!r} is not a {what}. Use one of: {', '.join(choices)}."
        + (f" Did you mean `{hint}`?" if hint else ""),
        usage,
    )
