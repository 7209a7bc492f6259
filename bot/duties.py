"""Duties and the expression-of-interest checklist: the rules, no storage.

A template (bot/data/programme_templates/*.json) lists its duties as data: a key, a
title, its kind (statutory, case law, national guidance, the body's constitution, local
decision), the section of the Act only where the sources cite one, its
sources, the models it applies to, whether there is one per Health and
Wellbeing Board or one for the programme, and a due date tied to one of the
template's key dates. This module turns that data into the
duties a programme should have, and reads evidence references. Reminder
days are the deadlines' rules (bot/reminders.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from . import programme_templates as templates
from .dates import format_date, passed_before_start, time_left, working_day_on_or_before
from .errors import UsageError
from .programme_templates import Item, Template
from .typed_text import clean_typed

_T = TypeVar("_T")

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
# one), case law, national guidance, the body's constitution (a CCG's, an ICB's: the template
# says whose), or the programme's own decision.
STATUTORY, GUIDANCE, CONSTITUTION, LOCAL = "statutory", "guidance", "constitution", "local"
# Case law: what the courts have held a consultation must meet (the Gunning principles).
CASE_LAW = "case-law"
KINDS = (STATUTORY, CASE_LAW, GUIDANCE, CONSTITUTION, LOCAL)
KIND_LABELS = {
    STATUTORY: "Statutory duties",
    CASE_LAW: "Case law",
    GUIDANCE: "National guidance",
    CONSTITUTION: "Constitution",
    LOCAL: "Local decisions",
}
VOTE_CARRIED = "vote-carried"  # a duty that the member vote discharges
MODEL_CHOSEN = "model-chosen"  # a duty that choosing the programme's model discharges
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


def due_date(
    template: Template,
    year: int | None,
    due: Item | None,
    model: str | None = None,
    decision: date | None = None,
) -> Due:
    """A due date tied to a template deadline (`{"deadline": key, "days_before": n}`, or
    `{"by_model": {model: key}}`) on the cycle starting in `year` (or placed from the
    programme's `decision` date, for a template dated from it).

    A date the sources do not give (`"suggested"`: why this date) is the programme's own
    suggestion, and always a working day. It is provisional when its deadline is.
    """
    if not due:
        return Due(None, None, None, False)
    anchor = due.get("deadline") or due.get("by_model", {}).get(model or "")
    if anchor is None:
        return Due(None, None, None, False)
    item = templates.deadline_item(template, anchor)
    if item is None:
        raise ValueError(
            f"template {template.get('name')!r}: duty tied to unknown key date {anchor!r}"
        )
    placed = templates.item_date(template, item, year, decision)
    if placed is None:
        return Due(None, None, None, False)
    on, provisional = placed
    days = int(due.get("days_before", 0))
    on = on - timedelta(days=days)
    # Placed away from a date given at set-up: the programme's choice, to confirm.
    provisional = provisional or (templates.is_decision_dated(template) and days != 0)
    note = due.get("suggested")
    if note:
        on = working_day_on_or_before(on)
    suggestion = templates.suggestion_of(item)
    return Due(on, anchor, note, provisional or bool(suggestion), suggestion)


def _title(text: str, **names: object) -> str:
    return text.format(**names)


def _plan(
    template: Template,
    d: Item,
    year: int | None,
    model: str | None,
    key: str,
    title: str,
    stakeholder_id: int | None,
    section: str = DUTY,
    decision: date | None = None,
) -> PlannedDuty:
    due = due_date(template, year, d.get("due"), model, decision)
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


def register_types(template: Template) -> set[str]:
    """The stakeholder types whose members the template's duties are planned for."""
    out: set[str] = set()
    for d in template.get("duties", []) + template.get("revision_duties", []):
        out |= {d[k] for k in ("for_each", "for_several", "for_chosen") if d.get(k)}
    return out


def chooser(template: Template | None, duty_key: str) -> Item | None:
    """The `chooses` part of a duty that settles which stakeholder another duty is for
    (e.g. which board takes up a standing invitation), or None."""
    base = template_key(duty_key)
    for d in (template or {}).get("duties", []):
        if d["key"] == base:
            chooses: Item | None = d.get("chooses")
            return chooses
    return None


def choosers(template: Template | None) -> list[tuple[str, Item]]:
    """(chooser duty key, its `chooses`) for every duty that chooses a stakeholder."""
    return [
        (d["key"], d["chooses"]) for d in (template or {}).get("duties", []) if d.get("chooses")
    ]


def planned_duties(
    template: Template,
    year: int | None,
    register: dict[str, list[tuple[int, str]]],
    model: str | None = None,
    chosen: dict[str, tuple[int, str]] | None = None,
    decision: date | None = None,
) -> list[PlannedDuty]:
    """Every duty and checklist item the template asks of a programme under `model`, given
    the register's stakeholders (id, name) of each type its duties are per. A duty
    `for_each` type comes once per such stakeholder; `for_several` once when there are
    several; `for_chosen` for the one chosen (`chosen`, by duty key), or the only one."""
    chosen = dict(chosen or {})
    out: list[PlannedDuty] = []

    def plan(d: Item, key: str, title: str, sid: int | None, section: str = DUTY) -> PlannedDuty:
        return _plan(template, d, year, model, key, title, sid, section, decision)

    for d in template.get("duties", []):
        if not templates.applies(d, model):
            continue
        if d.get("for_each"):
            for sid, name in register.get(d["for_each"], []):
                out.append(plan(d, f"{d['key']}:{sid}", _title(d["title"], name=name), sid))
        elif d.get("for_several"):
            members = register.get(d["for_several"], [])
            if len(members) > 1:
                names = ", ".join(name for _, name in members)
                out.append(plan(d, d["key"], _title(d["title"], names=names), None))
        elif d.get("for_chosen"):
            members = register.get(d["for_chosen"], [])
            pick = chosen.get(d["key"]) or (members[0] if len(members) == 1 else None)
            if pick is not None:
                sid, name = pick
                out.append(plan(d, d["key"], _title(d["title"], name=name), sid))
        else:
            out.append(plan(d, d["key"], d["title"], None))
    checklist = template.get("checklist")
    if checklist:
        for item in checklist["items"]:
            item = {"due": checklist.get("due"), "kind": GUIDANCE} | item
            label = f"{item['letter']}. {item['title']}" if item.get("letter") else item["title"]
            out.append(plan(item, item["key"], label, None, section=EOI))
    return out


def revision_duties(
    template: Template,
    number: int,
    what_changed: str,
    register: dict[str, list[tuple[int, str]]],
    due_on: date | None,
) -> list[PlannedDuty]:
    """A significant revision (the template's `revision_duties`): each duty again, once per
    stakeholder of its type."""
    label = f"revision {number}: {what_changed}"
    return [
        PlannedDuty(
            f"{d['key']}:r{number}:{sid}",
            DUTY,
            _title(d["title"], name=name, revision=label),
            d.get("statute"),
            sid,
            due_on,
            d.get("kind", STATUTORY),
            templates.cite(template, d.get("source")),
        )
        for d in template.get("revision_duties", [])
        for sid, name in register.get(d.get("for_each", ""), [])
    ]


def next_revision_number(keys: Iterable[str]) -> int:
    found = [int(m.group(1)) for k in keys if (m := _REVISION.search(k))]
    return max(found, default=0) + 1


def per_stakeholder_duties(template: Template | None, model: str | None) -> dict[str, list[Item]]:
    """The template's duties owed to each stakeholder of a type (`for_each`: e.g. each Health
    and Wellbeing Board), under this model, by type."""
    out: dict[str, list[Item]] = {}
    for d in (template or {}).get("duties", []):
        if d.get("for_each") and templates.applies(d, model):
            out.setdefault(d["for_each"], []).append(d)
    return out


def template_key(duty_key: str) -> str:
    """`hwbb-opinion:12` -> `hwbb-opinion`: the template entry a stored duty came from."""
    return duty_key.split(":", 1)[0]


def done_when(template: Template, duty_key: str) -> str | None:
    base = template_key(duty_key)
    for d in template.get("duties", []):
        if d["key"] == base:
            when: str | None = d.get("done_when")
            return when
    return None


def days_before(template: Template, duty_key: str) -> int:
    """How many days before its deadline a template duty (or checklist section) is due."""
    base = template_key(duty_key)
    for d in template.get("duties", []):
        if d["key"] == base:
            return int((d.get("due") or {}).get("days_before", 0))
    checklist = template.get("checklist") or {}
    for i in checklist.get("items", []):
        if i["key"] == base:
            return int((i.get("due") or checklist.get("due") or {}).get("days_before", 0))
    return 0


def span(item: Item | None, key_dates: dict[str, date]) -> str | None:
    """What a checklist item measures between two of the programme's key dates (`"span":
    {"from": key, "to": key, "what": ...}`), e.g. `The length chosen: 12 weeks (... to ...)`."""
    spec = (item or {}).get("span")
    if not spec or spec["from"] not in key_dates or spec["to"] not in key_dates:
        return None
    start, end = key_dates[spec["from"]], key_dates[spec["to"]]
    days = (end - start).days
    length = f"{days // 7} weeks" + (f" {days % 7} days" if days % 7 else "")
    if days < 0:
        length = f"{-days} days the wrong way round"
    return f"{spec['what']}: {length} ({format_date(start)} to {format_date(end)})"


@dataclass(frozen=True)
class RecordedFacts:
    """What Consult already records that a duty's evidence can point to (`"shows"` in the
    template): per stakeholder type, (in the register, engaged, latest engagement); and the
    issues raised, (all, answered)."""

    by_type: dict[str, tuple[int, int, date | None]]
    issues: tuple[int, int]


class _Registered(Protocol):
    """A stakeholder in the register, as recorded_facts reads it."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


class _Engagement(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def occurred_on(self) -> date: ...


def recorded_facts(
    stakeholders: Iterable[_Registered],
    engagements: Iterable[_Engagement],
    links: Mapping[int, Iterable[int]],
    issue_states: Iterable[str],
) -> RecordedFacts:
    """From the register, the live log (engagement id -> stakeholder ids) and issues' states."""
    latest: dict[int, date] = {}
    for e in engagements:
        for sid in links.get(e.id, []):
            latest[sid] = max(latest.get(sid, e.occurred_on), e.occurred_on)
    by_type: dict[str, tuple[int, int, date | None]] = {}
    for s in stakeholders:
        n, engaged, last = by_type.get(s.type, (0, 0, None))
        when = latest.get(s.id)
        if when is not None:
            engaged += 1
            last = max(last, when) if last else when
        by_type[s.type] = (n + 1, engaged, last)
    states = list(issue_states)
    answered = sum(1 for x in states if x != "open")  # an issue's own states (bot/raised_issues)
    return RecordedFacts(by_type, (len(states), answered))


def shown_facts(item: Item | None, facts: RecordedFacts | None) -> list[str]:
    """The recorded facts a template item points to as its evidence, e.g. `Health overview and
    scrutiny committees engaged: 1 of 1 (latest Wed 2 Dec 2026)`, `Issues raised: 3, of which
    2 answered ("you said, we did")`."""
    from .stakeholder_types import TYPE_LABELS

    if facts is None:
        return []
    out = []
    for what in (item or {}).get("shows", []):
        if what == "issues":
            total, answered = facts.issues
            out.append(f'Issues raised: {total}, of which {answered} answered ("you said, we did")')
        elif what.startswith("engaged:"):
            kind = what.split(":", 1)[1]
            n, engaged, last = facts.by_type.get(kind, (0, 0, None))
            label = TYPE_LABELS.get(kind, kind)
            out.append(
                f"{label} engaged: {engaged} of {n}"
                + (f" (latest {format_date(last)})" if last else "")
                + ("" if n else f" (none in the register: `/consult stakeholder add {kind}`)")
            )
    return out


def item_of(template: Template | None, duty_key: str) -> Item | None:
    """The template entry (duty or checklist item) a stored duty came from."""
    base = template_key(duty_key)
    duties: list[Item] = (template or {}).get("duties", [])
    for d in duties:
        if d["key"] == base:
            return d
    return checklist_item(template, base)


def checklist_item(template: Template | None, duty_key: str) -> Item | None:
    sections: list[Item] = ((template or {}).get("checklist") or {}).get("items", [])
    for item in sections:
        if item["key"] == duty_key:
            return item
    return None


def checklist_asks(template: Template | None, duty_key: str) -> str | None:
    """What NHS England's letter asks a checklist section to cover."""
    for item in ((template or {}).get("checklist") or {}).get("items", []):
        if item["key"] == duty_key:
            asks: str | None = item.get("asks")
            return asks
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


class _Due(Protocol):
    """A stored duty (or anything dated like one), as the listing rules read it."""

    @property
    def state(self) -> str: ...
    @property
    def due_on(self) -> date | None: ...


class _Listed(_Due, Protocol):
    @property
    def section(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def id(self) -> int: ...


def is_overdue(duty: _Due, today: date, began_on: date | None) -> bool:
    """Open, past its due date, and due after the programme began."""
    return (
        duty.state == OPEN
        and duty.due_on is not None
        and duty.due_on < today
        and not passed_before_start(duty.due_on, began_on)
    )


def listing_order(duty: _Listed) -> tuple[bool, bool, date, str, int]:
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


def suggestion_of(item: object) -> str | None:
    """Whose own date a deadline's (or a duty's due) date is, when one organisation's papers give
    it and nobody has confirmed it for this programme yet."""
    if not getattr(item, "provisional", False):
        return None
    whose: str | None = getattr(item, "suggestion", None) or getattr(item, "due_suggestion", None)
    return whose


def provisional_text(item: object) -> str | None:
    """`provisional: date to confirm`, with whose own date it is where one organisation's
    papers give it (`...; Hillingdon CCG's own date, offered as a suggestion: ...`)."""
    if not getattr(item, "provisional", False) or getattr(item, "state", OPEN) != OPEN:
        return None
    suggestion = suggestion_of(item)
    return PROVISIONAL_MARK + (f"; {suggestion}" if suggestion else "")


def provisional_why(item: object) -> str:
    """Why a provisional date is to confirm, in a sentence."""
    suggestion = suggestion_of(item)
    if suggestion:
        return f"It is {suggestion[0].lower()}{suggestion[1:]}."
    return "No source gives it: the programme placed it from its template."


def source_label(item: object) -> str:
    """`Source` of a template date as the sources set it; for a date moved into another cycle,
    or once an admin has confirmed or moved it, the sources are the milestone's, not the date's."""
    moved_into_cycle = getattr(item, "provisional", False) and not suggestion_of(item)
    return "Milestone's source" if getattr(item, "date_set", None) or moved_into_cycle else "Source"


def date_set_text(item: object, who: str, on: date | None) -> str | None:
    """`Date confirmed by Pat Lee on Sun 6 Dec 2026` (or moved), for a template date an admin set."""
    how: str | None = getattr(item, "date_set", None)
    if not how:
        return None
    return f"Date {how} by {who}" + (f" on {format_date(on)}" if on else "")


def due_qualifiers(duty: object, brief: bool = False) -> list[str]:
    """What a due date is worth: to confirm (its deadline is provisional), and whose
    suggestion it is when no source gives it."""
    out = []
    if getattr(duty, "provisional", False):
        out.append(PROVISIONAL_MARK)
        suggestion: str | None = getattr(duty, "due_suggestion", None)
        if suggestion:
            out.append(suggestion)
    note: str | None = getattr(duty, "due_note", None)
    if note:
        out.append(
            f"the programme's suggestion: {note}"
            + ("" if brief else " (no source gives this date)")
        )
    return out


class _Dated(Protocol):
    @property
    def due_on(self) -> date | None: ...


def due_text(duty: _Dated, brief: bool = False) -> str | None:
    """`Fri 6 Feb 2015 (provisional: date to confirm; the programme's suggestion (...))`."""
    if not duty.due_on:
        return None
    qualifiers = due_qualifiers(duty, brief)
    return format_date(duty.due_on) + (f" ({'; '.join(qualifiers)})" if qualifiers else "")


def brief_source(duty: object) -> str | None:
    """The first of an item's sources (they are joined with "; "), for one-line listings."""
    source: str | None = getattr(duty, "source", None)
    return source.split("; ")[0] + (" (and more)" if "; " in source else "") if source else None


def kind_of(duty: object) -> str:
    kind = getattr(duty, "kind", None)
    return kind if isinstance(kind, str) and kind in KINDS else LOCAL


def kind_label(kind: str, template: Template | None = None) -> str:
    """A kind's heading, as the template words it (`"kind_labels"`: e.g. whose constitution)."""
    label: str = ((template or {}).get("kind_labels") or {}).get(kind) or KIND_LABELS[kind]
    return label


def basis(duty: object, template: Template | None = None) -> str:
    """`Statutory: NHS Act 2006 s14Z13(4)` / `National guidance` ...: the kind, with the section
    of the Act (or the case) only where the sources cite one."""
    kind = kind_of(duty)
    label = {STATUTORY: "Statutory", GUIDANCE: "National guidance"}.get(
        kind, kind_label(kind, template)
    )
    statute: str | None = getattr(duty, "statute", None)
    return f"{label}: {statute}" if statute and kind in (STATUTORY, CASE_LAW) else label


def by_kind(
    duties: Iterable[_T], template: Template | None = None
) -> list[tuple[str, str, list[_T]]]:
    """(kind, heading, duties) in the order statutory, case law, guidance, constitution, local;
    the duties keep their order within each kind; kinds with none are left out."""
    groups: dict[str, list[_T]] = {k: [] for k in KINDS}
    for d in duties:
        groups[kind_of(d)].append(d)
    return [(k, kind_label(k, template), groups[k]) for k in KINDS if groups[k]]
