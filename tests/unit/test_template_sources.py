"""Every template item is pinned to its source document, date and kind.

The pins below were read off the source documents (NHS England's letters, the
press notice, and the three CCG papers to their Health and Wellbeing Boards).
A change to the template that moves a date, drops a source or re-labels a
duty's kind fails here, so it has to be a deliberate change to this table.
"""

import re
from datetime import date
from pathlib import Path

import pytest

from bot import duties, programme_templates

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = programme_templates.load("co-commissioning")

# key -> (documented date, models it applies to (None: all), [(document, where)])
DEADLINES = {
    "expression-of-interest": (
        date(2014, 6, 20),
        None,
        [("eoi-letter", "opening and Conclusion"), ("press-notice", None)],
    ),
    "delegated-proforma": (
        date(2015, 1, 9),
        ["delegated"],
        [("nwl-paper", "para 8.6"), ("derbyshire-report", "Submission Requirements")],
    ),
    "joint-proforma": (
        date(2015, 1, 30),
        ["joint"],
        [("derbyshire-report", "Submission Requirements")],
    ),
    "member-vote": (
        date(2015, 3, 4),
        ["joint", "delegated", "undecided"],
        [("hillingdon-report", "section 3"), ("nwl-paper", "para 7.6")],
    ),
    "new-arrangements": (
        date(2015, 4, 1),
        None,
        [("derbyshire-report", "Submission Requirements"), ("hillingdon-report", "Summary")],
    ),
}

# key -> (kind, section of the Act or None, models (None: all), documents)
DUTIES = {
    "hwbb-draft-plan": ("statutory", "NHS Act 2006 s14Z13(4)", None, ["hwbb-letter", "nwl-paper"]),
    # The HWBB gives its opinion: the duty falls on the board, so the CCG's part has no section.
    "hwbb-opinion": ("statutory", None, None, ["hwbb-letter", "nwl-paper"]),
    "hwbb-opinion-statement": (
        "statutory",
        "NHS Act 2006 s14Z13(8)",
        None,
        ["hwbb-letter", "nwl-paper"],
    ),
    "hwbb-agree-invitee": ("guidance", None, ["joint", "delegated"], ["hwbb-letter", "nwl-paper"]),
    "hwbb-standing-invitation": (
        "guidance",
        None,
        ["joint", "delegated"],
        ["hwbb-letter", "nwl-paper"],
    ),
    "healthwatch-representative": ("guidance", None, ["joint", "delegated"], ["hillingdon-report"]),
    "committee-lay-majority": (
        "guidance",
        None,
        ["joint", "delegated"],
        ["derbyshire-report", "hillingdon-report"],
    ),
    # The EOI letter says "statutory duty" without a section: none is given here either.
    "conflicts-of-interest": (
        "statutory",
        None,
        ["joint", "delegated"],
        ["eoi-letter", "coi-guidance"],
    ),
    "member-practice-support": (
        "constitution",
        None,
        ["joint", "delegated", "undecided"],
        ["nwl-paper", "hillingdon-report"],
    ),
    "choose-model": ("local", None, ["undecided"], ["hwbb-letter", "derbyshire-report"]),
}
REVISION_DUTIES = {
    "revision-consult": ("statutory", "NHS Act 2006 s14Z12"),
    "revision-copy": ("statutory", "NHS Act 2006 s14Z12"),
}

# NHS England's own section titles, paragraph 8 of its letter inviting expressions of interest.
CHECKLIST = {
    "A": "CCG(s) involved",
    "B": "Intended benefits and benefits realisation",
    "C": "Scope",
    "D": "Nature of co-commissioning",
    "E": "Timescales",
    "F": "Governance",
    "G": "Engaging member practices and local stakeholders",
    "H": "Monitoring and evaluation",
}

CONTEXT = {
    "announcement": (date(2014, 5, 1), ["press-notice"]),
    "forward-view": (date(2014, 10, 23), ["nwl-paper"]),
    "next-steps": (date(2014, 11, 10), ["hwbb-letter", "nwl-paper"]),
    "hwbb-letter": (date(2014, 12, 18), ["hwbb-letter", "hillingdon-report"]),
    "shadow-arrangements": (date(2015, 1, 1), ["nwl-paper"]),
}

# Each source document and the date it carries (the EOI letter's copy is undated: May 2014).
DOCUMENT_DATES = {
    "eoi-letter": "May 2014",
    "press-notice": "1 May 2014",
    "next-steps": "10 Nov 2014",
    "hwbb-letter": "18 Dec 2014",
    "coi-guidance": "18 Dec 2014",
    "nwl-paper": "undated",
    "derbyshire-report": "15 Jan 2015",
    "hillingdon-report": "17 Mar 2015",
}


def _docs(item):
    return [ref["doc"] for ref in item["source"]]


def _by_key(rows):
    return {r["key"]: r for r in rows}


def test_the_documents_and_their_dates():
    docs = TEMPLATE["sources"]
    assert {k: v["date"] for k, v in docs.items()} == DOCUMENT_DATES
    assert all(v["title"] and v["short"] for v in docs.values())
    assert "Gateway reference 02776" in docs["hwbb-letter"]["title"]
    assert "02501" in docs["next-steps"]["title"]


@pytest.mark.parametrize("key", sorted(DEADLINES))
def test_each_deadline_is_pinned_to_its_date_models_and_sources(key):
    item = _by_key(TEMPLATE["deadlines"])[key]
    on, models, refs = DEADLINES[key]
    assert date.fromisoformat(item["date"]) == on
    assert item.get("models") == models
    assert [(r["doc"], r.get("at")) for r in item["source"]] == refs


def test_the_template_has_exactly_the_pinned_items():
    assert {d["key"] for d in TEMPLATE["deadlines"]} == set(DEADLINES)
    assert {d["key"] for d in TEMPLATE["duties"]} == set(DUTIES)
    assert {d["key"] for d in TEMPLATE["revision_duties"]} == set(REVISION_DUTIES)
    assert {c["key"] for c in TEMPLATE["context"]} == set(CONTEXT)


@pytest.mark.parametrize("key", sorted(DUTIES))
def test_each_duty_is_pinned_to_its_kind_section_models_and_sources(key):
    item = _by_key(TEMPLATE["duties"])[key]
    kind, statute, models, docs = DUTIES[key]
    assert (item["kind"], item.get("statute"), item.get("models")) == (kind, statute, models)
    assert _docs(item) == docs


@pytest.mark.parametrize("key", sorted(REVISION_DUTIES))
def test_revision_duties_cite_section_14Z12_from_annex_a(key):
    item = _by_key(TEMPLATE["revision_duties"])[key]
    assert (item["kind"], item["statute"]) == REVISION_DUTIES[key]
    assert item["source"][0] == {"doc": "hwbb-letter", "at": "Annex A"}


@pytest.mark.parametrize("letter", sorted(CHECKLIST))
def test_each_checklist_section_keeps_nhs_englands_title_and_paragraph(letter):
    item = next(i for i in TEMPLATE["checklist"]["items"] if i["letter"] == letter)
    assert item["title"] == CHECKLIST[letter]
    assert item["source"] == [{"doc": "eoi-letter", "at": f"paragraph 8, section {letter}"}]
    assert item["asks"]


def test_the_scope_section_keeps_the_letters_exclusions():
    scope = next(i for i in TEMPLATE["checklist"]["items"] if i["letter"] == "C")
    for words in (
        "Performers List, revalidation and appraisal",
        "cannot delegate responsibility for commissioning community pharmacy or dental services",
        "NHS sight tests",
    ):
        assert words in scope["excludes"]


@pytest.mark.parametrize("key", sorted(CONTEXT))
def test_each_context_milestone_is_dated_by_its_sources(key):
    item = _by_key(TEMPLATE["context"])[key]
    on, docs = CONTEXT[key]
    assert date.fromisoformat(item["date"]) == on
    assert _docs(item) == docs


def test_every_item_of_every_template_has_a_source_that_exists():
    for name in programme_templates.names():
        template = programme_templates.load(name)
        docs = template.get("sources", {})
        for what, item in programme_templates.items(template):
            assert item.get("source"), f"{name}: {what} {item.get('key')} has no source"
            for ref in item["source"]:
                assert ref["doc"] in docs, f"{name}: {what} {item['key']} cites {ref['doc']}"
                # Sources are joined with "; " when shown: a "where" must not contain one.
                assert ";" not in (ref.get("at") or "")


def test_next_steps_is_credited_with_no_duty():
    """The sources never credit a duty to Next steps itself (it is context only)."""
    for _, item in programme_templates.items(TEMPLATE):
        if item in TEMPLATE["context"]:
            continue
        assert "next-steps" not in _docs(item), item["key"]


def test_only_statutory_duties_carry_a_section_and_only_cited_ones():
    cited = {s["statute"] for s in TEMPLATE["statutes_cited"]}
    for item in TEMPLATE["duties"] + TEMPLATE["revision_duties"]:
        if item.get("statute"):
            assert item["kind"] == "statutory" and item["statute"] in cited


def test_each_cited_section_is_quoted_from_its_source():
    for entry in TEMPLATE["statutes_cited"]:
        section = entry["statute"].rsplit(" s", 1)[1]
        assert f"section {section}" in entry["quote"]
        assert entry["source"][0]["doc"] == "hwbb-letter"


# "s14Z13(4)", "section 14Z12", "sections 14Z13" ...: a section of an Act, as written anywhere.
_SECTION = re.compile(r"\b(?:s|sections?\s)(\d+[A-Z]+\d*(?:\(\d+\))?)")
_SCANNED = ("bot", "handlers", "jobs", "storage", "docs", "tests", "README.md", "app.py")


def _project_files():
    for top in _SCANNED:
        path = ROOT / top
        files = [path] if path.is_file() else path.rglob("*")
        for f in files:
            if f.is_file() and f.suffix in (".py", ".j2", ".json", ".md", ".html", ".txt"):
                yield f


def test_every_statute_reference_in_code_and_templates_is_one_the_sources_cite():
    cited = {
        s["statute"].rsplit(" s", 1)[1]
        for name in programme_templates.names()
        for s in programme_templates.load(name).get("statutes_cited", [])
    }
    found = {}
    for f in _project_files():
        for m in _SECTION.finditer(f.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(m.group(1), set()).add(str(f.relative_to(ROOT)))
    assert found, "the scan found no section references at all: the pattern is broken"
    unsupported = {s: sorted(files) for s, files in found.items() if s not in cited}
    assert unsupported == {}


def test_the_section_pattern_catches_the_forms_in_use():
    text = "under s14Z13(4); section 14Z12; sections 14Z13 and the " + "s14" + "O rule"
    assert [m.group(1) for m in _SECTION.finditer(text)] == ["14Z13(4)", "14Z12", "14Z13", "14O"]


def test_citations_read_document_date_and_place():
    item = _by_key(TEMPLATE["duties"])["hwbb-draft-plan"]
    assert programme_templates.cite(TEMPLATE, item["source"], brief=True) == (
        "NHS England letter, 18 Dec 2014, Annex A"
    )


def test_2014_dates_are_exact_and_other_years_move_off_non_working_days():
    exact = programme_templates.key_dates(TEMPLATE, 2014)
    assert {d.key: d.due_on for d in exact} == {k: v[0] for k, v in DEADLINES.items()}
    # Only Hillingdon CCG's own vote date is offered as a suggestion, to confirm.
    assert {d.key for d in exact if d.provisional} == {"member-vote"}
    assert {d.key for d in exact if d.suggestion} == {"member-vote"}
    later = {d.key: d for d in programme_templates.key_dates(TEMPLATE, 2026)}
    assert later["expression-of-interest"].due_on == date(2026, 6, 19)  # 20 June 2026: a Saturday
    assert later["delegated-proforma"].due_on == date(2027, 1, 8)  # 9 January 2027: a Saturday
    assert later["joint-proforma"].due_on == date(2027, 1, 29)  # 30 January 2027: a Saturday
    assert later["member-vote"].due_on == date(2027, 3, 4)
    assert all(d.provisional and d.due_on.weekday() < 5 for d in later.values())
    # Good Friday 2018 is 30 March; Easter Monday 2 April: 1 April 2018 is Easter Sunday.
    assert {d.key: d.due_on for d in programme_templates.key_dates(TEMPLATE, 2017)}[
        "new-arrangements"
    ] == date(2018, 3, 29)


@pytest.mark.parametrize("year", range(2015, 2036))
def test_no_provisional_template_date_or_duty_falls_on_a_weekend_or_bank_holiday(year):
    from bot.dates import is_working_day

    for model in programme_templates.model_names(TEMPLATE):
        for d in programme_templates.key_dates(TEMPLATE, year, model):
            assert is_working_day(d.due_on), (year, model, d.key, d.due_on)
        hwbbs = [(1, "A"), (2, "B")]
        for p in duties.planned_duties(TEMPLATE, year, hwbbs, model, invited=hwbbs[0]):
            assert p.due_on is None or is_working_day(p.due_on), (year, model, p.key)
            assert p.provisional and p.source
