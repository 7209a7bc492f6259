"""Programme, register, roles and audit on real SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import inspect, select

from bot.context import Actor
from bot.errors import Conflict, Forbidden, NoProgramme, NotFound, UsageError
from bot.services import programmes, stakeholders
from storage.db import make_engine, migrate
from storage.models import AuditEvent, Stakeholder

ADMIN = Actor("T1", "UADMIN")
OTHER = Actor("T1", "UOTHER")
OTHER_TEAM = Actor("T2", "UADMIN")


def setup(svc, channel="C1", **kw):
    return programmes.setup_programme(
        ADMIN, channel, "Hillingdon co-commissioning", svc.new_uow(), **kw
    )


def test_migrations_build_every_table_and_are_idempotent(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {
        "programme",
        "stakeholder",
        "role",
        "audit_event",
        "engagement",
        "deadline",
        "delivery",
        "vote",
        "ballot",
        "calendar_feed",
        "duty",
    } <= tables
    engine.dispose()


def test_setup_with_template_creates_the_cycle_key_dates(any_services):
    programme, deadlines = setup(
        any_services, template="co-commissioning", year=2014, model="delegated"
    )
    got = {d.template_key: d.due_on.isoformat() for d in deadlines}
    assert got == {
        "expression-of-interest": "2014-06-20",
        "delegated-proforma": "2015-01-09",
        "member-vote": "2015-03-04",
        "new-arrangements": "2015-04-01",
    }
    # Only Hillingdon CCG's own vote date is a suggestion to confirm; every date has its sources.
    assert [d.template_key for d in deadlines if d.provisional] == ["member-vote"]
    assert all(d.source for d in deadlines)
    with any_services.new_uow() as uow:
        assert uow.programmes.roles_of(programme.id, "UADMIN") == {"admin"}


def test_one_programme_per_channel(any_services):
    setup(any_services)
    with pytest.raises(Conflict, match="already runs"):
        programmes.setup_programme(ADMIN, "C1", "Another", any_services.new_uow())


def test_register_add_find_link_remove(any_services):
    setup(any_services)
    uow = any_services.new_uow
    stakeholders.add_stakeholder(
        ADMIN,
        "C1",
        "practice",
        "Acorn Surgery",
        uow(),
        code="e85001",
        list_size=8200,
        group="North locality",
    )
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Acorn Lane Practice", uow(), code="E85002"
    )
    with pytest.raises(Conflict, match="already in the register"):
        stakeholders.add_stakeholder(ADMIN, "C1", "practice", "Dup", uow(), code="E85001")
    _, s = stakeholders.show_stakeholder(ADMIN, "C1", "E85001", uow())
    assert s.name == "Acorn Surgery" and s.code == "E85001"
    with pytest.raises(UsageError, match="matches several"):
        stakeholders.show_stakeholder(ADMIN, "C1", "acorn", uow())
    _, s = stakeholders.show_stakeholder(ADMIN, "C1", "acorn surgery", uow())  # an exact name wins
    assert s.code == "E85001"
    with pytest.raises(NotFound):
        stakeholders.show_stakeholder(ADMIN, "C1", "nowhere", uow())
    stakeholders.link_stakeholder(ADMIN, "C1", "E85001", "UJANE", uow())
    stakeholders.remove_stakeholder(ADMIN, "C1", "E85002", uow())
    _, rows = stakeholders.list_stakeholders(ADMIN, "C1", uow(), "practice")
    assert [(r.code, r.linked_user_id) for r in rows] == [("E85001", "UJANE")]


def test_roles_are_enforced_and_refusals_say_who_can(any_services):
    setup(any_services)
    uow = any_services.new_uow
    with pytest.raises(Forbidden, match="<@UADMIN>"):
        stakeholders.add_stakeholder(OTHER, "C1", "lmc", "LMC", uow())
    with pytest.raises(Forbidden):
        programmes.grant_role(OTHER, "C1", "UOTHER", "admin", uow())
    assert programmes.grant_role(ADMIN, "C1", "UOTHER", "admin", uow())
    stakeholders.add_stakeholder(OTHER, "C1", "lmc", "LMC", uow())  # now allowed
    # A workspace admin is always an admin.
    boss = Actor("T1", "UBOSS", _is_workspace_admin=True)
    stakeholders.add_stakeholder(boss, "C1", "healthwatch", "Healthwatch", uow())
    programmes.revoke_role(ADMIN, "C1", "UOTHER", "admin", uow())
    with pytest.raises(Conflict, match="last admin"):
        programmes.revoke_role(ADMIN, "C1", "UADMIN", "admin", uow())


def test_returning_officer_refusals_name_officers_and_admins(any_services):
    from bot.services.access import require_returning_officer

    programme, _ = setup(any_services)
    with any_services.new_uow() as uow, pytest.raises(Forbidden) as e:
        require_returning_officer(uow, OTHER, programme, "record a ballot")
    assert (
        e.value.message
        == "Only a returning officer or an admin can record a ballot: ask an admin (<@UADMIN>)."
    )
    programmes.grant_role(ADMIN, "C1", "USAM", "returning-officer", any_services.new_uow())
    with any_services.new_uow() as uow, pytest.raises(Forbidden) as e:
        require_returning_officer(uow, OTHER, programme, "record a ballot")
    assert "a returning officer (<@USAM>) or an admin (<@UADMIN>)" in e.value.message
    with any_services.new_uow() as uow:
        require_returning_officer(uow, Actor("T1", "USAM"), programme, "record a ballot")


def test_workspaces_never_see_each_other(any_services):
    setup(any_services)
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Acorn Surgery", any_services.new_uow(), code="E85001"
    )
    with pytest.raises(NoProgramme):
        stakeholders.list_stakeholders(OTHER_TEAM, "C1", any_services.new_uow())
    programmes.setup_programme(
        OTHER_TEAM, "C1", "Hillingdon co-commissioning", any_services.new_uow()
    )
    _, rows = stakeholders.list_stakeholders(OTHER_TEAM, "C1", any_services.new_uow())
    assert rows == []


def test_every_change_is_in_the_audit_trail(any_services):
    programme, _ = setup(any_services)
    stakeholders.add_stakeholder(
        ADMIN, "C1", "practice", "Acorn Surgery", any_services.new_uow(), code="E85001"
    )
    stakeholders.link_stakeholder(ADMIN, "C1", "E85001", "UJANE", any_services.new_uow())
    with any_services.new_uow() as uow:
        events = uow.audit.for_programme(programme.id)
    actions = [e.action for e in events]
    assert actions == ["programme.setup", "stakeholder.add", "stakeholder.link"]
    link = events[-1]
    assert link.actor == "UADMIN"
    assert json.loads(link.before) == {"linked_user_id": None}
    assert json.loads(link.after) == {"linked_user_id": "UJANE"}


EPRACCUR = "\n".join(
    [
        # 27 columns: code, name, ..., postcode (10), ..., status (13), ..., commissioner (15), ..., setting (26)
        ",".join(
            [
                "E85001",
                "ACORN SURGERY",
                "X",
                "Y",
                "1 HIGH ST",
                "",
                "",
                "UXBRIDGE",
                "",
                "UB8 1AA",
                "",
                "",
                "A",
                "",
                "08G",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "4",
                "",
            ]
        ),
        ",".join(
            [
                "E85002",
                "CLOSED SURGERY",
                "X",
                "Y",
                "",
                "",
                "",
                "",
                "",
                "UB8 1AB",
                "",
                "",
                "C",
                "",
                "08G",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "4",
                "",
            ]
        ),
        ",".join(
            [
                "E85003",
                "ELSEWHERE",
                "X",
                "Y",
                "",
                "",
                "",
                "",
                "",
                "UB8 1AC",
                "",
                "",
                "A",
                "",
                "07W",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "4",
                "",
            ]
        ),
        ",".join(
            [
                "Y01234",
                "OUT OF HOURS",
                "X",
                "Y",
                "",
                "",
                "",
                "",
                "",
                "UB8 1AD",
                "",
                "",
                "A",
                "",
                "08G",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "1",
                "",
            ]
        ),
        ",".join(
            [
                "E85004",
                "BEACON PRACTICE",
                "X",
                "Y",
                "",
                "",
                "",
                "",
                "",
                "UB8 1AE",
                "",
                "",
                "A",
                "",
                "08G",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "4",
                "",
            ]
        ),
    ]
)
SIZES = (
    "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,01Oct2014,GP,08G,E38000082,E85001,UB8 1AA,ALL,ALL,8200\n"
    "GP_PRAC_PAT_LIST,01Oct2014,GP,08G,E38000082,E85004,UB8 1AE,ALL,ALL,12000\n"
    "GP_PRAC_PAT_LIST,01Oct2014,GP,08G,E38000082,E99999,UB8 1ZZ,ALL,ALL,5\n"
)


def test_import_nhs_digital_files_then_reimport_updates_in_place(any_services):
    programme, _ = setup(any_services)
    report = stakeholders.import_practices(
        ADMIN,
        programme.id,
        [("epraccur.csv", EPRACCUR), ("gp-reg-pat-prac-all.csv", SIZES)],
        any_services.new_uow(),
        commissioner="08G",
    )
    assert sorted(report.added) == ["E85001", "E85004"]
    assert any("3 rows" in line for line in report.left_out)  # closed, other CCG, not a GP practice
    assert any("1 practices that are not in the register" in line for line in report.left_out)
    _, rows = stakeholders.list_stakeholders(ADMIN, "C1", any_services.new_uow(), "practice")
    assert {(r.code, r.list_size, r.postcode) for r in rows} == {
        ("E85001", 8200, "UB8 1AA"),
        ("E85004", 12000, "UB8 1AE"),
    }
    again = stakeholders.import_practices(
        ADMIN,
        programme.id,
        [("sizes.csv", SIZES.replace(",8200", ",8300"))],
        any_services.new_uow(),
    )
    assert again.changed == ["E85001"] and again.added == [] and again.unchanged == 1


def test_a_bad_row_stores_nothing_and_names_its_line(any_services):
    programme, _ = setup(any_services)
    plain = "code,name,list_size,group\nE85001,Acorn,8200,North\nE85002,,100,North\nE85003,Cedar,lots,South\n"
    with pytest.raises(UsageError) as e:
        stakeholders.import_practices(
            ADMIN, programme.id, [("practices.csv", plain)], any_services.new_uow()
        )
    assert "practices.csv:3:" in e.value.message and "practices.csv:4:" in e.value.message
    with any_services.new_uow() as uow:
        assert uow.session.scalars(select(Stakeholder)).all() == []
        assert [a.action for a in uow.session.scalars(select(AuditEvent))] == ["programme.setup"]
