"""Duties and the expression-of-interest checklist: the rules, no storage.

A template (bot/data/programme_templates/*.json) lists its duties as data: a key, a
title, its kind (statutory, national guidance, CCG constitution, local
decision), the section of the Act only where the sources cite one, its
sources, the models it applies to, whether there is one per Health and
Wellbeing Board or one for the programme, and a due date tied to one of the
template's key dates. This module turns that data into the
duties a programme should have, and reads evidence references. Reminder
days are the deadlines' rules (bot/reminders.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from . import programme_templates as templates
from .dates import format_date, passed_before_start, time_left, working_day_on_or_before
from .errors import UsageError
from .typed_text import clean_typed

OPEN, DONE, NA = "open", "done", "na"
STATES = (OPEN, DONE, NA)
DUTY, EOI = "duty", "eoi"  # sections: duties, expression-of-interest checklist
# Cancelled: not needed under the programme's model; kept with its evidence, never deleted.
CANCELLED = "cancelled"
# Evidence that is a decision made in Consult itself (the model chosen), not a link or a record.
DECISION = "decision"
# Every state a duty can reach, as people read it (the pack shows cancelled ones too).
STATE_LABELS = {OPEN: "open", DONE: "done", NA: "not applicable", CANCELLED: "cancelled"}
# What a duty is, from where its force comes: an Act (with the section where the sources cite
# one), national guidance, the CCG's constitution, or the programme's own decision.
STATUTORY, GUIDANCE, CONSTITUTION, LOCAL = "statutory", "guidance", "constitution", "local"
KINDS = (STATUTORY, GUIDANCE, CONSTITUTION, LOCAL)
KIND_LABELS = {
    STATUTORY: "Statutory duties",
    GUIDANCE: "National guidance",
    CONSTITUTION: "CCG constitution",
    LOCAL: "Local decisions",
}
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
    kind: str = LOCAL
    source: str | None = None
    due_anchor: str | None = None  # the template deadline its due date follows
    due_note: str | None = None  # why this date, when no source gives it
    provisional: bool = False
    due_suggestion: str | None = None  # its deadline is one organisation's own date


@dataclass(frozen=True)
class EvidenceRef:
    kind: str  # engagement | url | permalink
    engagement_id: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Due:
    on: date | None
    anchor: str | None
    note: str | None
    provisional: bool
    suggestion: str | None = None


def due_date(template: dict, year: int | None, due: dict | None, model: str | None = None) -> Due:
    """A due date tied to a template deadline (`{"deadline": key, "days_before": n}`, or
    `{"by_model": {model: key}}`) on the cycle starting in `year`.

    A date the sources do not give (`"suggested"`: why this date) is the programme's own
    suggestion, and always a working day. It is provisional when its deadline is.
    """
    if not due or year is None:
        return Due(None, None, None, False)
    anchor = due.get("deadline") or due.get("by_model", {}).get(model or "")
    if anchor is None:
        return Due(None, None, None, False)
    item = templates.deadline_item(template, anchor)
    if item is None:
        raise ValueError(
            f"template {template.get('name')!r}: duty tied to unknown key date {anchor!r}"
        )
    on, provisional = templates.cycle_date(template, item["date"], year)
    on = on - timedelta(days=int(due.get("days_before", 0)))
    note = due.get("suggested")
    if note:
        on = working_day_on_or_before(on)
    suggestion = templates.suggestion_of(item)
    return Due(on, anchor, note, provisional or bool(suggestion), suggestion)


def _title(text: str, **names) -> str:
    return text.format(**names)


def _plan(template, d, year, model, key, title, stakeholder_id, section=DUTY) -> PlannedDuty:
    due = due_date(template, year, d.get("due"), model)
    return PlannedDuty(
        key,
        section,
        title,
        d.get("statute"),
        stakeholder_id,
        due.on,
        d.get("kind", LOCAL),
        templates.cite(template, d.get("source")),
        due.anchor,
        due.note,
        due.provisional,
        due.suggestion,
    )


def planned_duties(
    template: dict,
    year: int | None,
    hwbbs: list[tuple[int, str]],
    model: str | None = None,
    invited: tuple[int, str] | None = None,
) -> list[PlannedDuty]:
    """Every duty and checklist item the template asks of a programme under `model` with these
    HWBBs (id, name). `invited` is the HWBB that takes up the committee's standing invitation:
    the only one, or the one agreed with them when there are several."""
    if invited is None and len(hwbbs) == 1:
        invited = hwbbs[0]
    out: list[PlannedDuty] = []
    for d in template.get("duties", []):
        if not templates.applies(d, model):
            continue
        per = d.get("per")
        if per == "hwbb":
            for sid, name in hwbbs:
                out.append(
                    _plan(
                        template,
                        d,
                        year,
                        model,
                        f"{d['key']}:{sid}",
                        _title(d["title"], hwbb=name),
                        sid,
                    )
                )
        elif per == "several-hwbbs":
            if len(hwbbs) > 1:
                names = ", ".join(name for _, name in hwbbs)
                out.append(
                    _plan(template, d, year, model, d["key"], _title(d["title"], hwbbs=names), None)
                )
        elif per == "invited-hwbb":
            if invited is not None:
                sid, name = invited
                out.append(
                    _plan(template, d, year, model, d["key"], _title(d["title"], hwbb=name), sid)
                )
        else:
            out.append(_plan(template, d, year, model, d["key"], d["title"], None))
    checklist = template.get("checklist")
    if checklist:
        for item in checklist["items"]:
            item = {"due": checklist.get("due"), "kind": GUIDANCE} | item
            out.append(
                _plan(
                    template,
                    item,
                    year,
                    model,
                    item["key"],
                    f"{item['letter']}. {item['title']}",
                    None,
                    section=EOI,
                )
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
            d.get("kind", STATUTORY),
            templates.cite(template, d.get("source")),
        )
        for d in template.get("revision_duties", [])
        for sid, name in hwbbs
    ]


def next_revision_number(keys) -> int:
    found = [int(m.group(1)) for k in keys if (m := _REVISION.search(k))]
    return max(found, default=0) + 1


def per_board_duties(template: dict | None, model: str | None) -> list[dict]:
    """The template's duties owed to each Health and Wellbeing Board (under this model)."""
    return [
        d
        for d in (template or {}).get("duties", [])
        if d.get("per") == "hwbb" and templates.applies(d, model)
    ]


def template_key(duty_key: str) -> str:
    """`hwbb-opinion:12` -> `hwbb-opinion`: the template entry a stored duty came from."""
    return duty_key.split(":", 1)[0]


def done_when(template: dict, duty_key: str) -> str | None:
    base = template_key(duty_key)
    for d in template.get("duties", []):
        if d["key"] == base:
            return d.get("done_when")
    return None


def days_before(template: dict, duty_key: str) -> int:
    """How many days before its deadline a template duty (or checklist section) is due."""
    base = template_key(duty_key)
    for d in template.get("duties", []):
        if d["key"] == base:
            return int((d.get("due") or {}).get("days_before", 0))
    checklist = template.get("checklist") or {}
    if any(i["key"] == base for i in checklist.get("items", [])):
        return int((checklist.get("due") or {}).get("days_before", 0))
    return 0


def checklist_item(template: dict | None, duty_key: str) -> dict | None:
    for item in ((template or {}).get("checklist") or {}).get("items", []):
        if item["key"] == duty_key:
            return item
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


def days_word(due_on: date, today: date, began_on: date | None = None) -> str:
    """Time left to a duty's due date, counted as for deadlines: in working days."""
    return time_left(due_on, today, began_on)


def is_overdue(duty, today: date, began_on: date | None) -> bool:
    """Open, past its due date, and due after the programme began."""
    return (
        duty.state == OPEN
        and duty.due_on is not None
        and duty.due_on < today
        and not passed_before_start(duty.due_on, began_on)
    )


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


# -- provenance, as shown to people ---------------------------------------------

PROVISIONAL_MARK = "provisional: date to confirm"


def suggestion_of(item) -> str | None:
    """Whose own date a deadline's (or a duty's due) date is, when one organisation's papers give
    it and nobody has confirmed it for this programme yet."""
    if not getattr(item, "provisional", False):
        return None
    return getattr(item, "suggestion", None) or getattr(item, "due_suggestion", None)


def provisional_text(item) -> str | None:
    """`provisional: date to confirm`, with whose own date it is where one organisation's
    papers give it (`...; Hillingdon CCG's own date, offered as a suggestion: ...`)."""
    if not getattr(item, "provisional", False) or getattr(item, "state", OPEN) != OPEN:
        return None
    suggestion = suggestion_of(item)
    return PROVISIONAL_MARK + (f"; {suggestion}" if suggestion else "")


def provisional_why(item) -> str:
    """Why a provisional date is to confirm, in a sentence."""
    suggestion = suggestion_of(item)
    if suggestion:
        return f"It is {suggestion[0].lower()}{suggestion[1:]}."
    return "No source gives it: it is the template's 2014/15 date moved into this cycle."


def source_label(item) -> str:
    """`Source` of a template date as the sources set it; for a date moved into another cycle,
    or once an admin has confirmed or moved it, the sources are the milestone's, not the date's."""
    moved_into_cycle = getattr(item, "provisional", False) and not suggestion_of(item)
    return "Milestone's source" if getattr(item, "date_set", None) or moved_into_cycle else "Source"


def date_set_text(item, who: str, on: date | None) -> str | None:
    """`Date confirmed by Pat Lee on Sun 6 Dec 2026` (or moved), for a template date an admin set."""
    how = getattr(item, "date_set", None)
    if not how:
        return None
    return f"Date {how} by {who}" + (f" on {format_date(on)}" if on else "")


def due_qualifiers(duty, brief: bool = False) -> list[str]:
    """What a due date is worth: to confirm (its deadline is provisional), and whose
    suggestion it is when no source gives it."""
    out = []
    if getattr(duty, "provisional", False):
        out.append(PROVISIONAL_MARK)
        if getattr(duty, "due_suggestion", None):
            out.append(duty.due_suggestion)
    if getattr(duty, "due_note", None):
        out.append(
            f"the programme's suggestion: {duty.due_note}"
            + ("" if brief else " (no source gives this date)")
        )
    return out


def due_text(duty, brief: bool = False) -> str | None:
    """`Fri 6 Feb 2015 (provisional: date to confirm; the programme's suggestion (...))`."""
    if not duty.due_on:
        return None
    qualifiers = due_qualifiers(duty, brief)
    return format_date(duty.due_on) + (f" ({'; '.join(qualifiers)})" if qualifiers else "")


def brief_source(duty) -> str | None:
    """The first of an item's sources (they are joined with "; "), for one-line listings."""
    source = getattr(duty, "source", None)
    return source.split("; ")[0] + (" (and more)" if "; " in source else "") if source else None


def kind_of(duty) -> str:
    return getattr(duty, "kind", None) if getattr(duty, "kind", None) in KINDS else LOCAL


def basis(duty) -> str:
    """`Statutory: NHS Act 2006 s14Z13(4)` / `National guidance` ...: the kind, with the section
    of the Act only where the sources cite one."""
    kind = kind_of(duty)
    label = {STATUTORY: "Statutory", GUIDANCE: "National guidance"}.get(kind, KIND_LABELS[kind])
    statute = getattr(duty, "statute", None)
    return f"{label}: {statute}" if statute and kind == STATUTORY else label


def by_kind(duties) -> list[tuple[str, str, list]]:
    """(kind, heading, duties) in the order statutory, guidance, constitution, local; the
    duties keep their order within each kind; kinds with none are left out."""
    groups: dict[str, list] = {k: [] for k in KINDS}
    for d in duties:
        groups[kind_of(d)].append(d)
    return [(k, KIND_LABELS[k], groups[k]) for k in KINDS if groups[k]]
