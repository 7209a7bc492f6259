"""The evidence pack's contents: what the evidence service computes from the records, and
what every rendering of it reads (the HTML and PDF pack, the Word file, its charts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from . import duties as duty_rules
from . import programme_templates

if TYPE_CHECKING:
    from .votes import Tally


@dataclass
class TypeSummary:
    type: str
    label: str
    in_register: int
    engaged: int
    engagements: int
    first: date | None
    last: date | None
    kinds: dict[str, int]
    positions: dict[str, int]

    @property
    def engaged_percent(self) -> int:
        return round(100 * self.engaged / self.in_register) if self.in_register else 0


@dataclass
class EngagementRow:
    id: int
    occurred_on: date
    kind: str
    summary: str
    position: str | None
    names: list[str]


@dataclass
class Quote:
    on: date
    summary: str
    types: list[str]  # labels of the stakeholder types it was with


@dataclass
class YouSaidRow:
    """One issue in "You said, we did"."""

    id: int
    name: str
    description: str | None
    stakeholders: int
    engagements: int
    by_type: list[tuple[str, int]]  # (type label, stakeholders), in the register's order
    practices: int
    practice_list_size: int
    practice_share: int | None  # percent of member practices' registered patients
    first: date | None
    last: date | None
    quotes: list[Quote]
    state: str
    state_label: str
    response: str | None
    reason: str | None
    owner: str | None
    responded_on: date | None


@dataclass
class PracticeRow:
    code: str | None
    name: str
    group: str | None
    list_size: int | None
    position: str | None
    position_on: date | None
    engagements: int
    last_engaged: date | None


@dataclass
class Locality:
    """Member practices of one locality (their group in the register), as the pack lists them."""

    name: str
    rows: list[PracticeRow]

    @property
    def summary(self) -> str:
        patients = sum(r.list_size or 0 for r in self.rows)
        n = len(self.rows)
        return f"{n:,} practice{'s' if n != 1 else ''}, {patients:,} registered patients"


NO_LOCALITY = "No locality recorded"


@dataclass
class VoteSummary:
    id: int
    question: str
    state: str
    rule: str
    rule_text: str
    quorum_percent: int | None
    weighted: bool
    group: str | None
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    tally: Tally
    stored_checksum: str | None
    # A bot.charts.Chart (charts reads this module, so it is not named here): practices voted,
    # day by day, against the quorum.
    turnout: object = None

    @property
    def checksum_matches(self) -> bool | None:
        return None if self.stored_checksum is None else self.stored_checksum == self.tally.checksum


@dataclass
class EvidenceItem:
    kind: str
    text: str
    url: str | None = None
    on: date | None = None


@dataclass
class DutyRow:
    id: int
    section: str
    title: str
    statute: str | None
    state: str
    due_on: date | None
    owner: str | None
    reason: str | None
    notes: str | None
    done_on: date | None
    evidence: list[EvidenceItem]
    asks: str | None
    kind: str = duty_rules.LOCAL
    basis: str = ""  # "Statutory: NHS Act 2006 s14Z13(4)", "National guidance"...
    source: str | None = None
    due_notes: list[str] = field(default_factory=list)  # provisional, the programme's suggestion
    excludes: str | None = None
    span: str | None = None  # what a checklist item measures between key dates
    facts: list[str] = field(default_factory=list)  # what the log records that it points to


@dataclass
class TimelineEntry:
    on: date
    what: str
    kind: str  # deadline | meeting | vote | duty | revision | engagement | context
    provisional: bool = False  # a template date moved into this cycle, not confirmed yet
    source: str | None = None
    month_only: bool = False  # the sources give the month, not the day
    suggestion: str | None = None  # one organisation's own date, offered as a suggestion
    source_label: str = "Source"  # "Milestone's source" once an admin confirmed or moved the date
    date_set: str | None = None  # "date confirmed by Pat Lee on Sun 6 Dec 2026"


@dataclass
class NotHeardRow:
    """A stakeholder who did not respond: did not vote in a closed vote, or was never engaged."""

    type_label: str
    name: str
    code: str | None
    group: str | None
    list_size: int | None


@dataclass
class NonVoters:
    """A closed vote's eligible practices that did not vote."""

    vote_id: int
    question: str
    closed_at: datetime | None
    electorate: int
    rows: list[NotHeardRow]
    counted_at_meeting: bool = False  # an aggregate count: who voted was not recorded


@dataclass
class MapRow:
    """A rated stakeholder on the stakeholder map."""

    quadrant: str
    type_label: str
    name: str
    code: str | None
    influence: int
    interest: int
    position: str | None


class Totals(TypedDict):
    engagements: int
    stakeholders: int  # in the register
    engaged: int  # of them, engaged at least once
    first: date | None  # the first and last engagement
    last: date | None


class PackWording(TypedDict):
    """What the pack shows and how it words it (pack_wording)."""

    has_vote: bool
    has_practices: bool
    body: str
    engaged: str
    constitution: str
    checklist_heading: str
    checklist_note: str | None
    asks_label: str
    excludes_label: str
    provisional_why: str
    context_label: str
    not_found: list[str]


@dataclass
class Pack:
    programme_name: str
    template_title: str | None
    timezone: str
    types: list[TypeSummary]
    totals: Totals
    you_said: list[YouSaidRow]
    engagement_log: dict[str, list[EngagementRow]]
    practices: list[PracticeRow]
    practice_positions: list[tuple[str, int, int]]  # (position label, practices, list size)
    votes: list[VoteSummary]
    duties: list[DutyRow]
    checklist: list[DutyRow]
    timeline: list[TimelineEntry]
    source: dict[str, int | str | None]  # what it was computed from
    fingerprint: str = ""
    duty_counts: dict[str, int] = field(default_factory=dict)
    # (kind, heading, rows), statutory first
    duty_groups: list[tuple[str, str, list[DutyRow]]] = field(default_factory=list)
    cancelled: list[DutyRow] = field(default_factory=list)  # duties the chosen model does not need
    model: str | None = None
    documents: list[dict[str, str]] = field(default_factory=list)  # the template's sources
    # Who did not respond: each closed vote's non-voters, and per type those never engaged.
    non_voters: list[NonVoters] = field(default_factory=list)
    not_engaged: list[tuple[str, list[NotHeardRow]]] = field(default_factory=list)
    stakeholder_map: list[MapRow] = field(default_factory=list)  # rated stakeholders, by quadrant
    unrated: int = 0
    wording: PackWording | None = None  # what the template calls things (pack_wording)

    def practices_by_locality(self) -> list[Locality]:
        """The practices under their locality headings, in the register's order (by locality,
        then name), practices with no locality last."""
        named: dict[str, list[PracticeRow]] = {}
        for r in self.practices:
            named.setdefault(r.group or NO_LOCALITY, []).append(r)
        last = named.pop(NO_LOCALITY, None)
        out = [Locality(name, rows) for name, rows in named.items()]
        return out + ([Locality(NO_LOCALITY, last)] if last else [])

    def sections(self) -> list[tuple[str, str]]:
        """(anchor, heading) of each section in order: the contents list, the headings, the
        PDF's bookmarks and the Word file's headings all come from here."""
        wording = self.wording or pack_wording(None)
        titles = [
            ("summary", "Summary"),
            ("engagement", f"How {wording['engaged']} were engaged"),
            ("issues", "You said, we did: the issues raised"),
        ]
        if wording["has_practices"]:
            titles.append(("practices", "Positions of member practices"))
        if wording["has_vote"]:
            titles.append(("vote", "Member vote"))
        titles.append(("duties", "Duties by kind, with sources and evidence"))
        if self.checklist:
            titles.append(("eoi", wording["checklist_heading"]))
        titles.append(("timeline", "Timeline of key dates"))
        if self.documents:
            titles.append(("sources", "Source documents"))
        numbered = [(key, f"{n}. {title}") for n, (key, title) in enumerate(titles, start=1)]
        return numbered + [
            ("log", "Appendix: the engagement log"),
            ("map", "Appendix: the stakeholder map"),
            ("not-heard", "Appendix: who did not respond"),
        ]


def pack_wording(template: programme_templates.Template | None) -> PackWording:
    """What the pack shows and how it words it, from the programme's template's data (a
    programme without a template gets every section): whether the member practices and the
    member vote belong, whose constitution, what the checklist is."""
    checklist = (template or {}).get("checklist") or {}
    types = programme_templates.stakeholder_types(template)
    return {
        "has_vote": programme_templates.has_vote(template),
        "has_practices": template is None or "practice" in types,
        "body": programme_templates.text(template, "body", "the programme"),
        "engaged": programme_templates.text(
            template, "engaged", "member practices and local stakeholders"
        ),
        "constitution": duty_rules.kind_label(duty_rules.CONSTITUTION, template).lower(),
        "checklist_heading": checklist.get("short", "Checklist"),
        "checklist_note": checklist.get("note"),
        "asks_label": checklist.get("asks_label", "It asks"),
        "excludes_label": checklist.get("excludes_label", "Outside the scope"),
        "provisional_why": programme_templates.text(
            template, "provisional_why", "the programme's own choice of dates"
        ),
        "context_label": programme_templates.text(template, "context_label", "Context"),
        "not_found": list((template or {}).get("not_found", [])),
    }
