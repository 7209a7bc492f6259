"""Duty rules: the template's duties as data, evidence references, revision numbers."""

from datetime import date

import pytest

from bot import duties, programme_templates
from bot.errors import UsageError

TEMPLATE = programme_templates.load("co-commissioning")


def test_each_hwbb_gets_its_own_statutory_set_and_the_rest_come_once():
    hwbbs = [(7, "Hillingdon HWBB"), (9, "Ealing HWBB")]
    plans = duties.planned_duties(TEMPLATE, 2014, hwbbs, "delegated")
    keys = [p.key for p in plans]
    assert len(keys) == len(set(keys))
    per_hwbb = {"hwbb-draft-plan", "hwbb-opinion", "hwbb-opinion-statement"}
    for sid, name in hwbbs:
        mine = [p for p in plans if p.stakeholder_id == sid]
        assert {duties.template_key(p.key) for p in mine} == per_hwbb
        assert all(name in p.title for p in mine)
    # Several boards: one duty to agree which is invited, and no invitation until then.
    assert {p.key for p in plans if p.stakeholder_id is None and p.section == "duty"} == {
        "hwbb-agree-invitee",
        "healthwatch-representative",
        "committee-lay-majority",
        "member-practice-support",
        "conflicts-of-interest",
    }
    agreed = duties.planned_duties(TEMPLATE, 2014, hwbbs, "delegated", invited=hwbbs[1])
    invitation = next(p for p in agreed if p.key == "hwbb-standing-invitation")
    assert invitation.stakeholder_id == 9 and "Ealing HWBB" in invitation.title
    assert [p.title[0] for p in plans if p.section == "eoi"] == list("ABCDEFGH")


def test_one_hwbb_is_invited_directly_without_an_agreement():
    plans = {p.key: p for p in duties.planned_duties(TEMPLATE, 2014, [(1, "HWBB")], "joint")}
    assert "hwbb-agree-invitee" not in plans
    assert plans["hwbb-standing-invitation"].stakeholder_id == 1


def test_due_dates_are_tied_to_the_template_key_dates_of_the_cycle():
    plans = {p.key: p for p in duties.planned_duties(TEMPLATE, 2014, [(1, "HWBB")], "delegated")}
    assert plans["eoi-a"].due_on == date(2014, 6, 20)
    assert plans["member-practice-support"].due_on == date(2015, 3, 4)
    assert plans["hwbb-draft-plan:1"].due_on == date(2015, 2, 4)  # 8 weeks before April
    assert plans["hwbb-draft-plan:1"].statute == "NHS Act 2006 s14Z13(4)"
    assert plans["hwbb-opinion-statement:1"].statute == "NHS Act 2006 s14Z13(8)"
    # Only what follows Hillingdon CCG's own vote date is to confirm: a suggestion, not fixed.
    assert {k for k, p in plans.items() if p.provisional} == {"member-practice-support"}
    assert plans["member-practice-support"].due_suggestion.startswith("Hillingdon CCG's own date")
    later = {p.key: p for p in duties.planned_duties(TEMPLATE, 2015, [(1, "HWBB")], "delegated")}
    assert later["eoi-a"].due_on == date(2015, 6, 19)  # 20 June 2015 is a Saturday
    assert all(p.provisional for p in later.values())
    assert {p.due_on for p in duties.planned_duties(TEMPLATE, None, [])} == {None}


def test_revision_duties_are_numbered_and_per_hwbb():
    plans = duties.revision_duties(
        TEMPLATE, 2, "Budget rewritten", [(3, "A board"), (4, "B board")], None
    )
    assert sorted(p.key for p in plans) == [
        "revision-consult:r2:3",
        "revision-consult:r2:4",
        "revision-copy:r2:3",
        "revision-copy:r2:4",
    ]
    assert all(p.statute == "NHS Act 2006 s14Z12" and "Budget rewritten" in p.title for p in plans)
    assert duties.next_revision_number(["eoi-a", "hwbb-opinion:3"]) == 1
    assert duties.next_revision_number([p.key for p in plans] + ["revision-copy:r1:3"]) == 3


@pytest.mark.parametrize(
    "text, kind, engagement_id, url",
    [
        ("12", "engagement", 12, None),
        ("#12", "engagement", 12, None),
        ("https://example.org/plan.pdf", "url", None, "https://example.org/plan.pdf"),
        ("<https://example.org/plan.pdf|plan>", "url", None, "https://example.org/plan.pdf"),
        ("http://intranet.local/board-paper", "url", None, "http://intranet.local/board-paper"),
        (
            "<https://acme.slack.com/archives/C0123/p1418812345000200>",
            "permalink",
            None,
            "https://acme.slack.com/archives/C0123/p1418812345000200",
        ),
    ],
)
def test_evidence_references(text, kind, engagement_id, url):
    ref = duties.parse_evidence(text)
    assert (ref.kind, ref.engagement_id, ref.url) == (kind, engagement_id, url)


@pytest.mark.parametrize(
    "text",
    [
        "ftp://example.org/x",
        "javascript:alert(1)",
        "example.org/plan.pdf",
        "https://",
        "plan.pdf",
        "",
        "https://exa mple.org",
        "https://" + "a" * 1000,
    ],
)
def test_bad_evidence_is_refused_with_what_to_give(text):
    with pytest.raises(UsageError, match="https://"):
        duties.parse_evidence(text)


def test_duty_numbers():
    assert duties.parse_duty_id("#7") == 7
    with pytest.raises(UsageError, match="not a duty number"):
        duties.parse_duty_id("seven")
