"""Issues raised, on real SQLite and PostgreSQL: tagging three ways, merging, responses, bad input."""

import csv
import io
import json

import pytest
from freezegun import freeze_time

from bot.context import Actor
from bot.errors import Conflict, Forbidden, NotFound, UsageError
from bot.services import engagements as eng
from bot.services import programmes, stakeholders
from bot.services import raised_issues as svc
from storage.models import AuditEvent, Engagement, EngagementRaisedIssue, RaisedIssue

ADMIN = Actor("T1", "UADMIN")
JANE = Actor("T1", "UJANE")
NOW = "2015-01-10 12:00:00"


def setup(s):
    uow = s.new_uow
    programmes.setup_programme(ADMIN, "C1", "Hillingdon", uow())
    for code, name, size in (
        ("E85001", "Acorn Surgery", 6000),
        ("E85002", "Beacon Practice", 4000),
        ("E85003", "Cedar Practice", 10000),
    ):
        stakeholders.add_stakeholder(
            ADMIN, "C1", "practice", name, uow(), code=code, list_size=size
        )
    stakeholders.add_stakeholder(ADMIN, "C1", "lmc", "Londonwide LMCs", uow(), code="LMC01")
    with uow() as u:
        return {st.code: st.id for st in u.stakeholders.list(1)}


def count(s, model):
    with s.new_uow() as uow:
        return uow.session.query(model).count()


def issue(s, issue_id):
    with s.new_uow() as uow:
        return uow.raised_issues.get(1, issue_id)


def tags(s, engagement_id):
    with s.new_uow() as uow:
        return sorted(i.name for i in uow.raised_issues.issues_of(engagement_id))


def raisers(s, issue_id):
    with s.new_uow() as uow:
        return sorted(
            (st.code, r.engagements, r.first_raised_on.isoformat(), r.last_raised_on.isoformat())
            for st, r in uow.raised_issues.raisers(issue_id)
        )


@freeze_time(NOW)
def test_tagging_three_ways_counts_who_raised_each_issue(any_services):
    s = any_services
    ids = setup(s)
    _, funding = svc.add_issue(
        JANE, "C1", "List-size funding", s.new_uow(), "How list size drives funding"
    )
    _, conflicts = svc.add_issue(JANE, "C1", "Conflicts of interest", s.new_uow())

    # 1. --issue on the command (by name, several, or by number)
    one = eng.log_engagement(
        JANE,
        "C1",
        ["E85001", "E85002"],
        "meeting",
        "Locality meeting",
        s.new_uow(),
        on="2/1/2015",
        issues=["list size funding", f"#{conflicts.id}"],
    )
    assert sorted(i.name for i in one.issues) == ["Conflicts of interest", "List-size funding"]
    # 2. the form: one picked, one created there
    two = eng.log_engagement_from_form(
        JANE,
        1,
        [ids["LMC01"]],
        [],
        "letter",
        "LMC letter",
        s.new_uow(),
        on="2015-01-05",
        issue_ids=[funding.id],
        new_issue="GP workload",
    )
    assert sorted(i.name for i in two.issues) == ["GP workload", "List-size funding"]
    # 3. a #hashtag of the name in the summary; an unknown one is reported, not an error
    three = eng.log_engagement(
        JANE,
        "C1",
        ["E85001"],
        "call",
        "Again on #list-size-funding and #parking",
        s.new_uow(),
        on="8/1/2015",
    )
    assert [i.name for i in three.issues] == ["List-size funding"]
    assert three.unknown_hashtags == ["parking"]

    funding = issue(s, funding.id)
    assert (funding.stakeholders, funding.engagements) == (3, 3)
    assert (funding.first_raised_on.isoformat(), funding.last_raised_on.isoformat()) == (
        "2015-01-02",
        "2015-01-08",
    )
    assert raisers(s, funding.id) == [
        ("E85001", 2, "2015-01-02", "2015-01-08"),
        ("E85002", 1, "2015-01-02", "2015-01-02"),
        ("LMC01", 1, "2015-01-05", "2015-01-05"),
    ]
    _, ranked, _ = svc.list_issues(JANE, "C1", s.new_uow())
    assert [(i.name, i.stakeholders) for i in ranked] == [
        ("List-size funding", 3),
        ("Conflicts of interest", 2),
        ("GP workload", 1),
    ]
    with s.new_uow() as uow:
        sources = dict(
            uow.session.query(EngagementRaisedIssue.engagement_id, EngagementRaisedIssue.source)
            .filter(EngagementRaisedIssue.raised_issue_id == funding.id)
            .all()
        )
        actions = [
            a
            for (a,) in uow.session.query(AuditEvent.action).filter(
                AuditEvent.entity == "raised_issue"
            )
        ]
    assert sources == {
        one.engagement.id: "command",
        two.engagement.id: "form",
        three.engagement.id: "hashtag",
    }
    assert actions.count("issue.add") == 3 and actions.count("issue.tag") == 5

    # Withdrawing and editing keep the counts true
    eng.withdraw_engagement(JANE, "C1", three.engagement.id, s.new_uow())
    assert raisers(s, funding.id)[0] == ("E85001", 1, "2015-01-02", "2015-01-02")
    eng.edit_engagement(JANE, "C1", one.engagement.id, s.new_uow(), on="3/1/2015")
    assert issue(s, funding.id).first_raised_on.isoformat() == "2015-01-03"
    assert issue(s, funding.id).engagements == 2


@freeze_time(NOW)
def test_merging_keeps_every_tag_and_the_old_number_leads_to_the_new(any_services):
    s = any_services
    setup(s)
    _, a = svc.add_issue(JANE, "C1", "Funding", s.new_uow())
    _, b = svc.add_issue(JANE, "C1", "Money for practices", s.new_uow())
    e1 = eng.log_engagement(
        JANE, "C1", ["E85001"], "call", "x", s.new_uow(), issues=["Funding"]
    ).engagement
    e2 = eng.log_engagement(
        JANE, "C1", ["E85002"], "call", "y", s.new_uow(), issues=["Money for practices"]
    ).engagement
    e3 = eng.log_engagement(
        JANE, "C1", ["E85003"], "call", "z", s.new_uow(), issues=["Funding", "Money"]
    ).engagement
    svc.respond_issue(ADMIN, "C1", str(b.id), "We set out the formula", s.new_uow())

    with pytest.raises(Forbidden):
        svc.merge_issues(JANE, "C1", str(b.id), str(a.id), s.new_uow())
    _, source, target, moved, carried = svc.merge_issues(
        ADMIN, "C1", "Money for practices", "funding", s.new_uow()
    )
    assert moved == 1  # e3 had both: one tag, not two
    assert carried  # only the merged one had a response
    for e in (e1, e2, e3):
        assert tags(s, e.id) == ["Funding"]
    target = issue(s, a.id)
    assert (target.stakeholders, target.engagements) == (3, 3)
    assert target.state == "responded" and target.response == "We set out the formula"
    with s.new_uow() as uow:
        assert svc.resolve_issue(uow, uow.programmes.get(1), str(b.id)).id == a.id
    _, ranked, _ = svc.list_issues(JANE, "C1", s.new_uow())
    assert [i.id for i in ranked] == [a.id]
    # The name is free again, and the audit trail says what moved
    svc.add_issue(JANE, "C1", "Money for practices", s.new_uow())
    with s.new_uow() as uow:
        merge = uow.session.query(AuditEvent).filter(AuditEvent.action == "issue.merge").one()
    assert json.loads(merge.after)["moved_engagements"] == [e2.id]
    with pytest.raises(UsageError, match="two different"):
        svc.merge_issues(ADMIN, "C1", str(a.id), "funding", s.new_uow())


@freeze_time(NOW)
def test_responses_and_their_states(any_services):
    s = any_services
    setup(s)
    _, i = svc.add_issue(JANE, "C1", "Committee seats", s.new_uow())
    _, i = svc.respond_issue(
        ADMIN,
        "C1",
        "committee seats",
        "A locality seat added",
        s.new_uow(),
        state="plan changed",
        owner_id="UJANE",
        on="5/1/2015",
    )
    assert (i.state, i.response_owner, i.responded_on.isoformat()) == (
        "plan-changed",
        "UJANE",
        "2015-01-05",
    )
    _, i = svc.respond_issue(
        ADMIN,
        "C1",
        str(i.id),
        "We kept the current size",
        s.new_uow(),
        state="not-taken-forward",
        reason="NHS England sets the membership",
    )
    assert (i.state, i.reason, i.response_owner, i.responded_on.isoformat()) == (
        "not-taken-forward",
        "NHS England sets the membership",
        "UADMIN",
        "2015-01-10",
    )
    _, i = svc.respond_issue(ADMIN, "C1", str(i.id), "Back under review", s.new_uow(), state="open")
    assert (i.state, i.reason) == ("open", None)
    with pytest.raises(Conflict):
        svc.respond_issue(ADMIN, "C1", str(i.id), "Back under review", s.new_uow(), state="open")
    with pytest.raises(Forbidden):
        svc.respond_issue(JANE, "C1", str(i.id), "Done", s.new_uow())
    with s.new_uow() as uow:
        assert (
            uow.session.query(AuditEvent).filter(AuditEvent.action == "issue.respond").count() == 3
        )


@freeze_time(NOW)
def test_bad_input_gets_a_clear_reply_and_changes_nothing(any_services):
    s = any_services
    setup(s)
    _, i = svc.add_issue(JANE, "C1", "Funding", s.new_uow())
    logged = eng.log_engagement(JANE, "C1", ["E85001"], "call", "x", s.new_uow())
    before = (
        count(s, Engagement),
        count(s, RaisedIssue),
        count(s, AuditEvent),
        count(s, EngagementRaisedIssue),
    )

    with pytest.raises(NotFound, match="No issue is called 'Fundng'.*Did you mean 'Funding'"):
        eng.log_engagement(JANE, "C1", ["E85001"], "call", "x", s.new_uow(), issues=["Fundng"])
    with pytest.raises(NotFound, match="no issue #99"):
        svc.tag_engagement(JANE, "C1", logged.engagement.id, ["99"], s.new_uow())
    with pytest.raises(UsageError, match="empty"):
        svc.add_issue(JANE, "C1", "  ", s.new_uow())
    with pytest.raises(Conflict, match="already called"):
        svc.add_issue(JANE, "C1", "funding!", s.new_uow())
    with pytest.raises(UsageError, match="--reason"):
        svc.respond_issue(ADMIN, "C1", "Funding", "No", s.new_uow(), state="not-taken-forward")
    with pytest.raises(UsageError, match="Say what was done"):
        svc.respond_issue(ADMIN, "C1", "Funding", "", s.new_uow())
    with pytest.raises(UsageError, match="empty"):
        svc.rename_issue(JANE, "C1", "Funding", "", s.new_uow())
    with pytest.raises(eng.FieldErrors) as form_error:
        eng.log_engagement_from_form(
            JANE, 1, [1], [], "call", "x", s.new_uow(), issue_ids=[i.id], new_issue="12345"
        )
    assert "new_issue" in form_error.value.errors

    after = (
        count(s, Engagement),
        count(s, RaisedIssue),
        count(s, AuditEvent),
        count(s, EngagementRaisedIssue),
    )
    assert after == before
    assert issue(s, i.id).state == "open"


@freeze_time(NOW)
def test_an_untagged_engagement_gets_suggestions_that_a_click_confirms(any_services):
    s = any_services
    setup(s)
    svc.add_issue(JANE, "C1", "Funding formula", s.new_uow())
    _, workload = svc.add_issue(JANE, "C1", "GP workload", s.new_uow())
    eng.log_engagement(
        JANE,
        "C1",
        ["E85001"],
        "call",
        "Locum cover for meetings adds workload",
        s.new_uow(),
        issues=["GP workload"],
    )
    logged = eng.log_engagement(
        JANE, "C1", ["E85002"], "meeting", "Worried about locum cover", s.new_uow()
    )
    assert logged.issues == []
    assert [x.issue_id for x in logged.suggestions] == [workload.id]
    assert tags(s, logged.engagement.id) == []  # a suggestion changes nothing until confirmed

    svc.tag_engagement(
        JANE,
        None,
        logged.engagement.id,
        [str(workload.id)],
        s.new_uow(),
        source="suggestion",
        programme_id=1,
    )
    assert tags(s, logged.engagement.id) == ["GP workload"]
    with pytest.raises(Conflict, match="already tagged"):  # a double click
        svc.tag_engagement(
            JANE, None, logged.engagement.id, [str(workload.id)], s.new_uow(), programme_id=1
        )
    assert issue(s, workload.id).stakeholders == 2
    with pytest.raises(NotFound):  # another workspace's click
        svc.tag_engagement(
            Actor("T2", "UX"),
            None,
            logged.engagement.id,
            [str(workload.id)],
            s.new_uow(),
            programme_id=1,
        )


@freeze_time(NOW)
def test_coverage_of_an_issue_and_its_export(any_services):
    s = any_services
    setup(s)
    _, i = svc.add_issue(JANE, "C1", '=HYPERLINK("x")', s.new_uow())
    eng.log_engagement(JANE, "C1", ["E85001"], "call", "early", s.new_uow(), on="1/1/2015")
    eng.log_engagement(
        JANE, "C1", ["E85002"], "call", "raised it", s.new_uow(), on="3/1/2015", issues=[str(i.id)]
    )
    eng.log_engagement(JANE, "C1", ["E85003"], "call", "heard", s.new_uow(), on="4/1/2015")
    cov = svc.issue_coverage(JANE, "C1", str(i.id), s.new_uow())
    assert [st.code for st, _ in cov.raised] == ["E85002"]
    assert [st.code for st in cov.heard] == ["E85003"]
    assert [(st.code, when and when.isoformat()) for st, when in cov.not_asked] == [
        ("LMC01", None),
        ("E85001", "2015-01-01"),
    ]
    _, content, n = svc.issues_csv(JANE, "C1", s.new_uow())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert n == 1 and rows[0] == svc.EXPORT_HEADER
    assert rows[1][1] == '\'=HYPERLINK("x")'  # formula-safe
    assert rows[1][11:18] == [
        "practice",
        "Beacon Practice",
        "E85002",
        "4000",
        "1",
        "2015-01-03",
        "2015-01-03",
    ]


def test_the_digest_shows_the_weeks_new_issues_and_those_waiting_for_an_answer(any_services):
    from blocks.digest import render_content
    from bot.services.digests import show_digest

    s = any_services
    with freeze_time("2015-01-02 12:00:00"):
        setup(s)
        svc.add_issue(JANE, "C1", "Old and answered", s.new_uow())
        svc.add_issue(JANE, "C1", "Old and widely raised", s.new_uow())
        svc.add_issue(JANE, "C1", "Old but raised by few", s.new_uow())
        for code in ("E85001", "E85002", "E85003"):
            eng.log_engagement(
                JANE, "C1", [code], "call", "x", s.new_uow(), issues=["answered", "widely"]
            )
        eng.log_engagement(
            JANE, "C1", ["E85001", "E85002"], "call", "y", s.new_uow(), issues=["few"]
        )
        svc.respond_issue(ADMIN, "C1", "answered", "Done", s.new_uow())
    with freeze_time("2015-01-19 12:00:00"):
        svc.add_issue(JANE, "C1", "Brand new", s.new_uow())
    with freeze_time("2015-01-20 12:00:00"):
        [shown] = show_digest(JANE, "C1", s.new_uow())
        shown = render_content(shown.content)
    [section] = [x for x in shown.sections if x.key == "issues"]
    waiting, new = section.text.split("New this week")
    assert (
        "Old and widely raised: 3 stakeholders, first raised Fri 2 Jan 2015 (18 days ago)"
        in waiting
    )
    assert "Old and answered" not in section.text
    assert "raised by few" not in waiting
    assert "#4 Brand new" in new and "Old" not in new
    assert "1 issue raised by many awaiting an answer" in shown.headline


@freeze_time(NOW)  # mid-cycle: the demo's engagement up to now
def test_the_demo_reads_as_you_said_we_did(services):
    from bot.services import evidence
    from bot.services.demo import load_demo

    programme, created = load_demo(services.new_uow(), "T1", "CDEMO", "UADMIN")
    assert created
    with services.new_uow() as uow:
        pack = evidence.compute(evidence.gather(uow, uow.programmes.get(programme.id)))
    raised = [r for r in pack.you_said if r.stakeholders]
    assert len(raised) >= 4
    assert [r.stakeholders for r in raised] == sorted(
        (r.stakeholders for r in raised), reverse=True
    )
    answered = [r for r in raised if r.response]
    assert len(answered) >= 3 and all(r.quotes for r in raised)
    assert {r.state for r in answered} >= {"plan-changed", "not-taken-forward"}
    assert all(r.reason for r in answered if r.state == "not-taken-forward")
    assert load_demo(services.new_uow(), "T1", "CDEMO", "UADMIN")[1] is False  # idempotent


@pytest.mark.postgres
def test_two_people_tagging_one_issue_at_once_lose_no_count(pg_url):
    """The second tagger waits for the first's recount, then counts both (no duplicate row)."""
    import threading

    from app import bootstrap
    from bot.settings import Settings

    s = bootstrap(Settings(database_url=pg_url))
    try:
        with freeze_time(NOW):
            setup(s)
            _, i = svc.add_issue(JANE, "C1", "Funding", s.new_uow())
            e1 = eng.log_engagement(JANE, "C1", ["E85001"], "call", "a", s.new_uow()).engagement
            e2 = eng.log_engagement(JANE, "C1", ["E85001"], "call", "b", s.new_uow()).engagement
        first = s.new_uow()
        with first:
            first.raised_issues.tag(
                first.engagements.get(1, e1.id), i.id, source="command", by="U1", at=e1.logged_at
            )
            errors = []

            def second():
                try:
                    svc.tag_engagement(JANE, "C1", e2.id, [str(i.id)], s.new_uow())
                except Exception as err:  # noqa: BLE001 - reported below
                    errors.append(err)

            t = threading.Thread(target=second)
            t.start()
            t.join(0.5)  # it waits on the issue's lock while the first is open
            assert t.is_alive()
            first.commit()
        t.join(10)
        assert errors == []
        got = issue(s, i.id)
        assert (got.stakeholders, got.engagements) == (1, 2)
        assert raisers(s, i.id) == [("E85001", 2, "2015-01-10", "2015-01-10")]
    finally:
        s.engine.dispose()
