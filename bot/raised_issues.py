"""Issues raised by stakeholders ("you said, we did"): the rules, with no Slack and no SQL.

The product calls them "issues"; the code says "raised issue" so that they
are never confused with anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .errors import UsageError
from .typed_text import clean_typed

MAX_NAME = 80
MAX_DESCRIPTION = 1000
MAX_RESPONSE = 3000

OPEN = "open"
RESPONDED = "responded"
PLAN_CHANGED = "plan-changed"
NOT_TAKEN_FORWARD = "not-taken-forward"
STATES = (OPEN, RESPONDED, PLAN_CHANGED, NOT_TAKEN_FORWARD)
STATE_LABELS = {
    OPEN: "open",
    RESPONDED: "responded",
    PLAN_CHANGED: "plan changed",
    NOT_TAKEN_FORWARD: "not taken forward",
}
_STATE_ALIASES = {
    "answered": RESPONDED,
    "response": RESPONDED,
    "changed": PLAN_CHANGED,
    "plan": PLAN_CHANGED,
    "planchanged": PLAN_CHANGED,
    "declined": NOT_TAKEN_FORWARD,
    "rejected": NOT_TAKEN_FORWARD,
    "nottakenforward": NOT_TAKEN_FORWARD,
    "reopen": OPEN,
}

# The digest asks for an answer when this many stakeholders raised an issue
# and it has stayed open this many days since it was first raised.
MANY_STAKEHOLDERS = 3
WAITING_DAYS = 14

# How a tag came to be, kept on the tag for the audit trail and the export.
TAG_SOURCES = ("command", "form", "hashtag", "suggestion", "merge")

_HASHTAG = re.compile(r"(?<![\w&/<])#([A-Za-z][\w-]{0,79})")


def name_key(name: str) -> str:
    """What makes two names the same issue: letters and digits, case folded.

    So "List-size funding", "list size funding" and #listsize-funding match.
    """
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def read_name(text: str | None, what: str = "The issue's name") -> str:
    name = " ".join(clean_typed(text, what).split())
    if not name:
        raise UsageError(f'{what} is empty: give a short name in quotes, e.g. "list-size funding".')
    if len(name) > MAX_NAME:
        raise UsageError(f"{what} is {len(name)} characters; keep it to {MAX_NAME}.")
    if not any(ch.isalpha() for ch in name):
        raise UsageError(f"{what} needs at least one letter (a number alone reads as an id).")
    return name


def read_description(text: str | None) -> str | None:
    text = clean_typed(text, "The description", multiline=True)
    if len(text) > MAX_DESCRIPTION:
        raise UsageError(
            f"The description is {len(text):,} characters; keep it to {MAX_DESCRIPTION:,}."
        )
    return text or None


def read_state(text: str | None) -> str:
    value = (text or "").strip().lower().replace("_", "-").replace(" ", "-")
    if value in STATES:
        return value
    folded = value.replace("-", "")
    if folded in _STATE_ALIASES:
        return _STATE_ALIASES[folded]
    raise UsageError(
        f"{(text or '')[:40]!r} is not a state of an issue. States: {', '.join(STATES)}."
    )


def hashtags(text: str | None) -> list[str]:
    """The #hashtags in a summary, in order, once each (a Slack channel link <#C..> is not one)."""
    found: dict[str, str] = {}
    for m in _HASHTAG.finditer(text or ""):
        found.setdefault(name_key(m.group(1)), m.group(1))
    return list(found.values())


# -- suggestions ------------------------------------------------------------------
# Words too common in engagement notes to say anything about the issue.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours
    discussed discussion meeting meetings met call called email emailed letter said asked
    raised raise concern concerns issue issues practice practices gp gps ccg re etc
    """.split()
)
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str | None) -> set[str]:
    """The distinct words of a text that can tell one issue from another."""
    out = set()
    for w in _WORD.findall((text or "").casefold()):
        if len(w) < 3 or w in STOPWORDS or w.isdigit():
            continue
        # A light stem, so "lists" meets "list" and "funded" meets "funding".
        for suffix in ("ing", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return out


@dataclass(frozen=True)
class Suggestion:
    issue_id: int
    name: str
    score: int
    shared: tuple[str, ...]  # the words in common, alphabetical (shown as the reason)


VOCABULARY_SUMMARIES = 10  # an issue's latest tagged summaries that its words come from
MAX_VOCABULARY = 400  # words kept per issue, so ranking costs the same however long the log


def vocabulary(name: str, texts: Iterable[str]) -> str:
    """The words an issue is recognised by: its name's, its description's and those of its
    latest tagged summaries, as stored with the issue (space-separated, alphabetical)."""
    found = set(words(name))
    for text in texts:
        found |= words(text)
    return " ".join(sorted(found)[:MAX_VOCABULARY])


def rank(text: str, issues: Mapping[int, tuple[str, str]], limit: int = 3) -> list[Suggestion]:
    """Issues an untagged engagement probably raised, best first.

    `issues` is {id: (name, vocabulary)}. An issue scores one point for each
    distinct word the text shares with its vocabulary, and one more for each of
    those that is in its name. Ties go to the issue with the lower id (the
    older one), so the ranking is the same every time for the same data.
    """
    mine = words(text)
    if not mine:
        return []
    found = []
    for issue_id, (name, vocab) in issues.items():
        name_words = words(name)
        shared = mine & (set(vocab.split()) | name_words)
        if not shared:
            continue
        score = len(shared) + len(mine & name_words)
        found.append(Suggestion(issue_id, name, score, tuple(sorted(shared))))
    found.sort(key=lambda s: (-s.score, s.issue_id))
    return found[:limit]


def suggest(
    text: str,
    issues: Mapping[int, str],
    corpus: Mapping[int, Iterable[str]],
    limit: int = 3,
) -> list[Suggestion]:
    """`rank`, from each issue's name ({id: name}) and tagged summaries ({id: [summaries]})."""
    return rank(
        text,
        {i: (name, vocabulary(name, corpus.get(i, ()))) for i, name in issues.items()},
        limit,
    )


# -- the evidence pack ------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A tagged engagement that might represent its issue in the pack."""

    engagement_id: int
    occurred_on: date
    summary: str
    types: tuple[str, ...]  # the types of stakeholder it was with


def representatives(candidates: Iterable[Candidate], count: int = 3) -> list[Candidate]:
    """Two or three summaries that show an issue's spread, chosen the same way every time.

    First one from each stakeholder type (the most recent of each, types taken in
    the order their latest summary came), then the most recent others; a summary
    that says the same as one already chosen is skipped.
    """
    ordered = sorted(candidates, key=lambda c: (c.occurred_on, c.engagement_id), reverse=True)
    chosen: list[Candidate] = []
    seen_types: set[str] = set()
    seen_text: set[str] = set()
    for c in ordered:  # the first pass: one per stakeholder type
        key = " ".join(c.summary.casefold().split())
        if len(chosen) >= count or key in seen_text:
            continue
        if not set(c.types) - seen_types:
            continue
        chosen.append(c)
        seen_types |= set(c.types)
        seen_text.add(key)
    for c in ordered:  # then the most recent of the rest
        key = " ".join(c.summary.casefold().split())
        if len(chosen) >= count:
            break
        if key in seen_text:
            continue
        chosen.append(c)
        seen_text.add(key)
    chosen.sort(key=lambda c: (c.occurred_on, c.engagement_id))
    return chosen


def is_waiting(state: str, stakeholders: int, first_raised: date | None, today: date) -> bool:
    """Raised by many and still without an answer after WAITING_DAYS: the digest asks for one."""
    return (
        state == OPEN
        and stakeholders >= MANY_STAKEHOLDERS
        and first_raised is not None
        and (today - first_raised).days > WAITING_DAYS
    )
