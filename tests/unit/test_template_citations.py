"""Every template cites only what its sources hold.

For every template: each item's references name a document of its own `sources`, and each
due date follows one of its own key dates. For the service-change template, every address
it cites, every section, regulation or case it names and every period it sets is in the
sources file it was written from (`shared/sources/service-change.md` beside the checkout,
when that file is there: the template ships with the code, so it carries the facts it uses
with their addresses, and this test holds them to the file).
"""

import re
from pathlib import Path

import pytest

from bot import duties, programme_templates

ROOT = Path(__file__).resolve().parents[2]
ALL = [programme_templates.load(n) for n in programme_templates.names()]


def _sources_file() -> Path | None:
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base / "shared" / "sources" / "service-change.md"
        if path.is_file():
            return path
    return None


def _refs(template):
    for what, item in programme_templates.items(template):
        for ref in item.get("source") or []:
            yield what, item["key"], ref
    for period in template.get("periods", []):
        for ref in period["source"]:
            yield "period", period["what"], ref
    for ref in (template.get("earliest_decision") or {}).get("source", []):
        yield "earliest decision", "earliest_decision", ref


@pytest.mark.parametrize("template", ALL, ids=lambda t: t["name"])
def test_every_reference_names_one_of_the_templates_own_documents(template):
    docs = template["sources"]
    for what, key, ref in _refs(template):
        assert ref["doc"] in docs, (what, key, ref)
    for what, item in programme_templates.items(template):
        if what in ("deadline", "context", "revision duty"):
            assert item.get("source"), (what, item["key"])


@pytest.mark.parametrize("template", ALL, ids=lambda t: t["name"])
def test_every_due_date_follows_one_of_the_templates_own_key_dates(template):
    keys = {d["key"] for d in template.get("deadlines", [])}
    checklist = template.get("checklist") or {}
    for item in template.get("duties", []) + checklist.get("items", []) + [checklist]:
        due = item.get("due") or {}
        anchors = [due["deadline"]] if due.get("deadline") else []
        anchors += list(due.get("by_model", {}).values())
        assert set(anchors) <= keys, (item.get("key"), anchors)
        span = item.get("span") or {}
        assert {span.get("from"), span.get("to")} - {None} <= keys, item.get("key")


@pytest.mark.parametrize("template", ALL, ids=lambda t: t["name"])
def test_each_template_says_what_it_is_for_and_who_its_stakeholders_are(template):
    from bot.stakeholder_types import TYPES

    assert template["purpose"] and template["title"]
    assert template["stakeholder_types"] and set(template["stakeholder_types"]) <= set(TYPES)
    checklist = (template.get("checklist") or {}).get("items", [])
    for item in template.get("duties", []) + checklist:
        for what in item.get("shows", []):
            assert what == "issues" or what.split(":", 1)[1] in TYPES, (item["key"], what)
    for d in template.get("duties", []):
        assert d.get("kind") in duties.KINDS, d["key"]
        if d["kind"] != duties.STATUTORY and d["kind"] != duties.CASE_LAW:
            assert not d.get("statute"), d["key"]


SERVICE_CHANGE = programme_templates.load("service-change")
# A section, regulation, paragraph or case as the template writes it.
_PART = re.compile(
    r"s\d+Z?\d*(?:\(\d+\))?|reg \d+(?:\(\w+\))*|Sch(?:edule)? 10A|para \d+|\d{4}/\d+"
    r"|Equality Act 2010|R v Brent LBC ex p Gunning \(1985\) 84 LGR 168",
    re.IGNORECASE,
)


def _facts():
    path = _sources_file()
    if path is None:
        pytest.skip("the sources file is not beside this checkout")
    return path.read_text(encoding="utf-8")


def test_every_address_the_service_change_template_cites_is_in_the_sources_file():
    facts = _facts()
    for key, doc in SERVICE_CHANGE["sources"].items():
        assert doc.get("url"), key
        assert doc["url"] in facts, (key, doc["url"])


def test_every_section_and_regulation_it_names_is_in_the_sources_file():
    facts = " ".join(_facts().split()).lower()
    named = [d.get("statute") for d in SERVICE_CHANGE["duties"]]
    named += [i.get("statute") for i in SERVICE_CHANGE["checklist"]["items"]]
    named += [d["title"] for d in SERVICE_CHANGE["duties"]]
    named += [ref.get("at", "") for _w, _k, ref in _refs(SERVICE_CHANGE)]
    parts = {p.lower() for text in named if text for p in _PART.findall(text)}
    assert {"s14z45(2)", "s14z58", "s149", "s14z35", "reg 23(5a)", "para 2"} <= parts
    for part in parts:
        assert part in facts, part


def test_the_only_period_it_sets_is_the_one_a_source_sets():
    facts = _facts()
    [period] = SERVICE_CHANGE["periods"]
    assert period["months"] == 6 and "6 months from the direction" in facts
    assert period["source"] == [{"doc": "sch-10a", "at": "para 3(2)(a)"}]
    assert "para 3(2)(a)" in facts
    # Every other date is the programme's choice, said to be so, except the decision itself.
    for d in SERVICE_CHANGE["deadlines"]:
        if d["days_from_decision"]:
            assert "programme's choice" in d["note"] and "No source sets" in d["note"]


def test_a_citation_missing_from_the_sources_file_would_fail():
    facts = _facts()
    assert "https://example.org/not-a-source" not in facts
    assert "reg 99" not in " ".join(facts.split()).lower()


@pytest.mark.parametrize("offset", range(0, 400, 37))
def test_service_change_dates_fall_in_the_steps_order_on_working_days(offset):
    from datetime import date, timedelta

    from bot.dates import is_working_day

    decision = date(2027, 1, 4) + timedelta(days=offset)
    planned = programme_templates.key_dates(SERVICE_CHANGE, None, decision=decision)
    assert [p.key for p in planned] == [d["key"] for d in SERVICE_CHANGE["deadlines"]]
    assert [p.due_on for p in planned] == sorted(p.due_on for p in planned)
    for p in planned:
        if p.key == "decision":
            assert p.due_on == decision and not p.provisional
        else:
            assert p.provisional and is_working_day(p.due_on), p
    # Without a decision date there is nothing to place.
    assert programme_templates.key_dates(SERVICE_CHANGE, None) == []
