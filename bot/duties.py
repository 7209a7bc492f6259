"""Statutory duties and the expression-of-interest checklist: the rules, no storage.

A template (bot/data/programme_templates/*.json) lists its duties as data: a key, a
title, the statute or guidance it comes from, whether there is one per
Health and Wellbeing Board or one for the programme, and a due date tied to
one of the template's key dates. This module turns that data into the
duties a programme should have, and reads evidence references. Reminder
days are the deadlines' rules (bot/reminders.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from .errors import UsageError
from .typed_text import clean_typed

OPEN, DONE, NA = "open", "done", "na"
STATES = (OPEN, DONE, NA)
STATE_LABELS = {OPEN: "open", DONE: "done", NA: "not applicable"}
DUTY, EOI = "duty", "eoi"  # sections: statutory duties, expression-of-interest checklist
VOTE_CARRIED = "vote-carried"  # a duty that the member vote discharges
MAX_URL = 1000
MAX_TEXT = 2000

_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>$")
_PERMALINK = re.compile(r"^https://[\w.-]+\.slack\.com/archives/[A-Z0-9]+/p\d+", re.IGNORECASE)
_ID = re.compile(r"^#?(\d{1,9})$")
_REVISION = re.compile(r":r(\d+):")


@dataclass(frozen=True)
class PlannedDuty:
    """A duty a programme should have, before it is stored."""

    key: str
    section: str
    title: str
    statute: str | None
    stakeholder_id: int | None
    due_on: date | None


@dataclass(frozen=True)
class EvidenceRef:
    kind: str  # engagement | url | permalink
    engagement_id: int | None = None
    url: str | None = None


def due_date(template: dict, year: int | None, due: dict | None) -> date | None:
    """A relative due date (`{"deadline": key, "days_before": n}`) on the cycle starting in `year`."""
    if not due or year is None:
        return None
    for d in template.get("deadlines", []):
        if d["key"] == due["deadline"]:
            anchor = date(year + d.get("year_offset", 0), d["month"], d["day"])
            return anchor - timedelta(days=int(due.get("days_before", 0)))
    raise ValueError(
        f"template {template.get('name')!r}: duty tied to unknown key date {due['deadline']!r}"
    )


def _title(text: str, **names) -> str:
    return text.format(**names)


def planned_duties(
    template: dict, year: int | None, hwbbs: list[tuple[int, str]]
) -> list[PlannedDuty]:
    """Every duty and checklist item the template asks of a programme with these HWBBs (id, name)."""
    out: list[PlannedDuty] = []
    for d in template.get("duties", []):
        due = due_date(template, year, d.get("due"))
        if d.get("per") == "hwbb":
            for sid, name in hwbbs:
                out.append(
                    PlannedDuty(
                        f"{d['key']}:{sid}",
                        DUTY,
                        _title(d["title"], hwbb=name),
                        d.get("statute"),
                        sid,
                        due,
                    )
                )
        else:
            out.append(PlannedDuty(d["key"], DUTY, d["title"], d.get("statute"), None, due))
    checklist = template.get("checklist")
    if checklist:
        due = due_date(template, year, checklist.get("due"))
        for item in checklist["items"]:
            out.append(
                PlannedDuty(item["key"], EOI, f"{item['letter']}. {item['title']}", None, None, due)
            )
    return out


def revision_duties(
    template: dict,
    number: int,
    what_changed: str,
    hwbbs: list[tuple[int, str]],
    due_on: date | None,
) -> list[PlannedDuty]:
    """s14Z12: after a significant revision, consult each HWBB again and send it a copy."""
    label = f"revision {number}: {what_changed}"
    return [
        PlannedDuty(
            f"{d['key']}:r{number}:{sid}",
            DUTY,
            _title(d["title"], hwbb=name, revision=label),
            d.get("statute"),
            sid,
            due_on,
        )
        for d in template.get("revision_duties", [])
        for sid, name in hwbbs
    ]


def next_revision_number(keys) -> int:
    found = [int(m.group(1)) for k in keys if (m := _REVISION.search(k))]
    return max(found, default=0) + 1


def template_key(duty_key: str) -> str:
    """`hwbb-opinion:12` -> `hwbb-opinion`: the template entry a stored duty came from."""
    return duty_key.split(":", 1)[0]


def done_when(template: dict, duty_key: str) -> str | None:
    base = template_key(duty_key)
    for d in template.get("duties", []):
        if d["key"] == base:
            return d.get("done_when")
    return None


def checklist_asks(template: dict | None, duty_key: str) -> str | None:
    """What NHS England's letter asks a checklist section to cover."""
    for item in ((template or {}).get("checklist") or {}).get("items", []):
        if item["key"] == duty_key:
            return item.get("asks")
    return None


def parse_duty_id(text: str) -> int:
    m = _ID.match(text.strip())
    if not m:
        raise UsageError(
            f"{text!r} is not a duty number. `/consult duties` lists them with their numbers."
        )
    return int(m.group(1))


def parse_evidence(text: str) -> EvidenceRef:
    """An engagement number, a document's http(s) address, or a Slack message's permalink."""
    raw = text.strip()
    m = _SLACK_LINK.match(raw)  # Slack sends links as <https://...> or <https://...|label>
    if m:
        raw = m.group(1).strip()
    m = _ID.match(raw)
    if m:
        return EvidenceRef("engagement", engagement_id=int(m.group(1)))
    if not raw or any(ch.isspace() for ch in raw) or len(raw) > MAX_URL:
        raise UsageError(
            f"{text[:80]!r} is not evidence: give an engagement number (from the engagement log), "
            "a document's address (https://...) or a Slack message's link."
        )
    try:
        parts = urlsplit(raw)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"{raw[:80]!r} is not a web address: evidence links must start with https:// or http://."
        )
    kind = "permalink" if _PERMALINK.match(raw) else "url"
    return EvidenceRef(kind, url=raw)


def days_word(due_on: date, today: date) -> str:
    n = (due_on - today).days
    if n == 0:
        return "today"
    if n == 1:
        return "tomorrow"
    if n > 0:
        return f"in {n} days"
    return f"{-n} day{'s' if n != -1 else ''} overdue"


def listing_order(duty) -> tuple:
    """Open first (soonest due first, undated last), then done and not applicable."""
    return (duty.state != OPEN, duty.section != DUTY, duty.due_on or date.max, duty.key, duty.id)


def clean_text(text: str, what: str) -> str:
    text = clean_typed(text, what, multiline=True)
    if not text:
        raise UsageError(f"{what} is missing. Put it in quotes after the duty's number.")
    if len(text) > MAX_TEXT:
        raise UsageError(f"{what} can be at most {MAX_TEXT:,} characters.")
    return text
