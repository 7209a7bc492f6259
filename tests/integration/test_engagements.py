"""The engagement log, positions, actions and the export on real SQLite and PostgreSQL."""

import csv
import io
import json
from datetime import date

import pytest
from freezegun import freeze_time

from bot.context import Actor
from bot.errors import Conflict, Forbidden, NoProgramme, NotFound, UsageError
from bot.people import Person
from bot.services import engagements as svc
from bot.services import programmes, stakeholders
from bot.services.coverage import coverage_report, show_coverage
from bot.services.directory import remember_people
from storage.models import AuditEvent, Engagement

ADMIN = Actor("T1", "UADMIN")
JANE = Actor("T1", "UJANE")
BOB = Actor("T1", "UBOB")
NOW = "2015-01-10 12:00:00"


def setup(svc_):
    uow = svc_.new_uow
    programmes.setup_programme(ADMIN, "C1", "Hillingdon", uow())
    stakeholders.add_stakeholder(
        ADMIN,
        "C1",
        "practice",
        "Acorn Surgery",
        uow(),
        code="E85001",
        list_size=6000,
        group="North",
    )
    stakeholders.add_stakeholder(
        ADMIN,
        "C1",
        "practice",
        "Beacon Practice",
        uow(),
        code="E85002",
        list_size=4000,
        group="North",
    )
    stakeholders.add_stakeholder(
        ADMIN,
        "C1",
        "practice",
        "Cedar Practice",
        uow(),
        code="E85003",
        list_size=10000,
        group="South",
    )
    stakeholders.add_stakeholder(ADMIN, "C1", "lmc", "Londonwide LMCs", uow(), code="LMC01")
    with uow() as u:
        return {s.code: s.id for s in u.stakeholders.list(1)}


def count(svc_, model):
    with svc_.new_uow() as uow:
        return uow.session.query(model).count()


@freeze_time(NOW)
def test_log_edit_withdraw_keep_positions_and_the_audit_trail(any_services):
    ids = setup(any_services)
    uow = any_services.new_uow
    first = svc.log_engagement(
        JANE,
        "C1",
        ["E85001", "beacon"],
        "meeting",
        "Locality meeting",
        uow(),
        on="2/1/2015",
        position="support",
    )
    assert [s.code for s in first.stakeholders] == ["E85001", "E85002"]
    svc.log_engagement(
        BOB,
        "C1",
        ["E85001"],
        "call",
        "Changed their mind",
        uow(),
        on="5 Jan 2015",
        position="against",
    )
    svc.log_engagement(BOB, "C1", ["E85001"], "email", "No position stated", uow(), on="today")
    with uow() as u:
        assert u.engagements.latest_positions(1) == {
            ids["E85001"]: "oppose",
            ids["E85002"]: "support",
        }
        assert u.engagements.last_engaged(1)[ids["E85001"]] == date(2015, 1, 10)
        assert u.engagements.latest_positions(1, [ids["E85002"]]) == {ids["E85002"]: "support"}
        assert u.engagements.latest_positions(1, []) == {}

    # Only the author or an admin; the refusal names who can.
    with pytest.raises(Forbidden, match="<@UBOB>"):
        svc.withdraw_engagement(JANE, "C1", 2, uow())
    svc.withdraw_engagement(BOB, "C1", 2, uow())
    with pytest.raises(Conflict):
        svc.withdraw_engagement(ADMIN, "C1", 2, uow())
    with uow() as u:
        assert (
            u.engagements.latest_positions(1)[ids["E85001"]] == "support"
        )  # the withdrawn one no longer counts

    svc.edit_engagement(
        ADMIN, "C1", 1, uow(), position="neutral", on="3/1/2015", summary="Locality meeting (North)"
    )
    with uow() as u:
        assert u.engagements.latest_positions(1)[ids["E85002"]] == "neutral"
        edits = u.audit.for_programme(1, entity="engagement", entity_id=1)
        before, after = json.loads(edits[-1].before), json.loads(edits[-1].after)
        assert edits[-1].action == "engagement.edit" and edits[-1].actor == "UADMIN"
        assert (before["position"], before["summary"], before["occurred_on"]) == (
            "support",
            "Locality meeting",
            "2015-01-02",
        )
        assert (after["position"], after["occurred_on"]) == ("neutral", "2015-01-03")
    svc.edit_engagement(JANE, "C1", 1, uow(), position="none")
    with uow() as u:
        assert ids["E85002"] not in u.engagements.latest_positions(1)
    _, s, position, history = svc.stakeholder_history(ADMIN, "C1", "E85001", uow())
    assert position is None and [e.id for e in history] == [
        3,
        2,
        1,
    ]  # the withdrawn one stays in the history


@freeze_time(NOW)
def test_every_bad_input_is_refused_and_changes_nothing(any_services):
    setup(any_services)
    uow = any_services.new_uow
    audits = count(any_services, AuditEvent)
    cases = [
        (UsageError, lambda: svc.log_engagement(JANE, "C1", ["E85001"], "lunch", "x", uow())),
        (UsageError, lambda: svc.log_engagement(JANE, "C1", ["E85001"], "meeting", "  ", uow())),
        (
            UsageError,
            lambda: svc.log_engagement(
                JANE, "C1", ["E85001"], "meeting", "x", uow(), on="11/1/2015"
            ),
        ),
        (
            UsageError,
            lambda: svc.log_engagement(
                JANE, "C1", ["E85001"], "meeting", "x", uow(), on="31/2/2015"
            ),
        ),
        (
            UsageError,
            lambda: svc.log_engagement(
                JANE, "C1", ["E85001"], "meeting", "x", uow(), position="maybe"
            ),
        ),
        (
            UsageError,
            lambda: svc.log_engagement(JANE, "C1", ["E85001"], "meeting", "x" * 3001, uow()),
        ),
        (
            UsageError,
            lambda: svc.log_engagement(JANE, "C1", ["practice"], "meeting", "x", uow()),
        ),  # ambiguous
        (
            NotFound,
            lambda: svc.log_engagement(JANE, "C1", ["E85001", "nowhere"], "meeting", "x", uow()),
        ),
        (NotFound, lambda: svc.log_engagement(JANE, "C1", [], "meeting", "x", uow(), group="East")),
        (UsageError, lambda: svc.log_engagement(JANE, "C1", [], "meeting", "x", uow())),
        (NoProgramme, lambda: svc.log_engagement(JANE, "C2", ["E85001"], "meeting", "x", uow())),
        (
            UsageError,
            lambda: svc.log_engagement(
                JANE,
                "C1",
                ["E85001"],
                "meeting",
                "x",
                uow(),
                follow_up=svc.FollowUp("Write", None, "1/1/2015"),
            ),
        ),
        (NotFound, lambda: svc.edit_engagement(JANE, "C1", 99, uow(), summary="y")),
        (NotFound, lambda: svc.complete_action(JANE, "C1", 99, uow())),
    ]
    for error, call in cases:
        with pytest.raises(error):
            call()
    assert count(any_services, Engagement) == 0 and count(any_services, AuditEvent) == audits
    with pytest.raises(svc.FieldErrors) as caught:
        svc.log_engagement(JANE, "C1", ["E85001"], "lunch", "", uow(), on="tomorrow")
    assert set(caught.value.errors) == {"kind", "summary", "date"}


@freeze_time(NOW)
def test_group_engagement_and_follow_up_actions(any_services):
    ids = setup(any_services)
    uow = any_services.new_uow
    logged = svc.log_engagement(
        JANE,
        "C1",
        ["LMC01"],
        "event",
        "North members' meeting",
        uow(),
        group="north",
        follow_up=svc.FollowUp("Send the slides", "UBOB", "in 7 days"),
    )
    assert {s.id for s in logged.stakeholders} == {ids["E85001"], ids["E85002"], ids["LMC01"]}
    assert logged.action.owner_id == "UBOB" and logged.action.due_on == date(2015, 1, 17)
    svc.add_action(ADMIN, "C1", "Book the hall", uow(), due="12/1/2015")
    svc.add_action(ADMIN, "C1", "Undated", uow(), owner_id="UJANE")
    _, actions, _ = svc.list_actions(JANE, "C1", uow())
    assert [a.title for a in actions] == [
        "Undated",
        "Book the hall",
        "Send the slides",
    ]  # mine first, then by due
    with pytest.raises(Forbidden, match="<@UBOB>"):  # neither its owner nor who set it
        svc.complete_action(Actor("T1", "UOTHER"), "C1", logged.action.id, uow())
    svc.complete_action(BOB, "C1", logged.action.id, uow())
    with pytest.raises(Conflict):
        svc.complete_action(BOB, "C1", logged.action.id, uow())
    _, actions, _ = svc.list_actions(JANE, "C1", uow())
    assert "Send the slides" not in [a.title for a in actions]


@freeze_time(NOW)
def test_export_is_one_row_per_engagement_and_stakeholder_with_formulas_neutralised(any_services):
    setup(any_services)
    uow = any_services.new_uow
    svc.log_engagement(
        JANE,
        "C1",
        ["E85001", "E85002"],
        "meeting",
        '=HYPERLINK("http://evil")',
        uow(),
        on="2015-01-02",
        position="support",
    )
    svc.log_engagement(
        JANE, "C1", ["LMC01"], "letter", "Café, “quoted”\nsecond line", uow(), on="2015-01-03"
    )
    svc.withdraw_engagement(JANE, "C1", 2, uow())
    remember_people(uow(), "T1", [Person("UJANE", "jane", "Jane Patel")])
    remember_people(uow(), "T2", [Person("UADMIN", "admin", "Another Workspace's Admin")])
    svc.log_engagement(ADMIN, "C1", ["LMC01"], "call", "By the admin", uow(), on="2015-01-04")
    _, content, n = svc.engagements_csv(ADMIN, "C1", uow())
    assert n == 3 and content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(r["engagement_id"], r["stakeholder_code"]) for r in rows] == [
        ("1", "E85001"),
        ("1", "E85002"),
        ("2", "LMC01"),
        ("3", "LMC01"),
    ]
    assert [(r["logged_by"], r["logged_by_name"]) for r in rows] == [
        ("UJANE", "Jane Patel"),
        ("UJANE", "Jane Patel"),
        ("UJANE", "Jane Patel"),
        ("UADMIN", "UADMIN (not yet looked up)"),
    ]
    assert rows[0]["summary"] == '\'=HYPERLINK("http://evil")' and rows[0]["date"] == "2015-01-02"
    assert rows[2]["summary"] == "Café, “quoted”\nsecond line" and rows[2]["status"] == "withdrawn"
    assert rows[0]["logged_at"].startswith("2015-01-10T12:00:00")


@freeze_time(NOW)
def test_coverage_counts_engaged_within_days_and_positions_by_list_size(any_services):
    setup(any_services)
    uow = any_services.new_uow
    svc.log_engagement(
        JANE, "C1", ["E85001"], "meeting", "x", uow(), on="1/1/2015", position="support"
    )
    svc.log_engagement(
        JANE, "C1", ["E85003"], "meeting", "x", uow(), on="1/11/2014", position="oppose"
    )
    report = show_coverage(JANE, "C1", uow(), days=30)
    practices = report.of_type("practice")
    assert practices.engaged == 1
    assert [n.name for n in practices.not_engaged] == ["Beacon Practice", "Cedar Practice"]
    shares = {s.position: (s.count, s.list_size) for s in report.positions}
    assert (
        shares["support"] == (1, 6000)
        and shares["oppose"] == (1, 10000)
        and shares["unknown"] == (1, 4000)
    )
    assert show_coverage(JANE, "C1", uow(), days=90).of_type("practice").engaged == 2
    assert [t.type for t in show_coverage(JANE, "C1", uow(), type="lmc").types] == ["lmc"]
    with pytest.raises(UsageError):
        show_coverage(JANE, "C1", uow(), days=0)
    stakeholders.remove_stakeholder(ADMIN, "C1", "E85002", uow())
    with uow() as u:
        programme = u.programmes.get(1)
        assert coverage_report(u, programme, 30, date(2015, 1, 10)).of_type("practice").total == 2


def test_demo_data_gives_a_believable_spread(any_services):
    from bot.services.demo import load_demo

    with freeze_time("2015-03-01 10:00:00"):
        programme, _ = load_demo(any_services.new_uow(), "T1", "C1", "UADMIN")
        report = show_coverage(ADMIN, "C1", any_services.new_uow(), days=365)
    practices = report.of_type("practice")
    assert 0 < practices.not_engaged_count < practices.engaged
    assert sum(1 for s in report.positions if s.count and s.position != "unknown") >= 3
    for type_ in ("lmc", "healthwatch", "hwbb"):
        assert report.of_type(type_).engaged == 1


def test_the_partial_indexes_behind_positions_and_last_engaged_exist(any_services):
    from sqlalchemy import inspect

    names = {
        ix["name"] for ix in inspect(any_services.engine).get_indexes("engagement_stakeholder")
    }
    assert {"ix_engagement_stakeholder_live", "ix_engagement_stakeholder_position"} <= names
