"""Personal data on SQLite and PostgreSQL: subject access, forgetting a person, retention."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import Enum, MetaData, String, Text, func, select, text

from app import main
from bot.context import Actor
from bot.errors import Forbidden, UsageError
from bot.services import engagements, programmes, retention, stakeholders, votes
from bot.services.audit_trail import verify_trail
from bot.services.demo import load_demo
from bot.services.people import forget_person
from handlers.commands import CommandRequest, dispatch
from storage.models import Base, Programme, PurgeLog
from storage.personal_data import (
    LOOKS_PERSONAL,
    NOT_PERSONAL,
    PERSON_COLUMNS,
    PROGRAMME_OF,
    SCOPE,
    TEXT_COLUMNS,
)

from ..security.test_hostile_input import RecordingMessenger

ADMIN = Actor("T1", "UADMIN")
JANE = Actor("T1", "UJANE0001")


@pytest.fixture
def held(any_services, db_url, monkeypatch):
    """The demo programme, where Jane logs, records a ballot, owns an action and is linked."""
    services = any_services
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")
    programmes.grant_role(ADMIN, "C1", JANE.user_id, "returning-officer", services.new_uow())
    stakeholders.link_stakeholder(ADMIN, "C1", "E85002", JANE.user_id, services.new_uow())
    engagements.log_engagement(
        JANE,
        "C1",
        ["LMC"],
        "call",
        f"Spoke to the chair; <@{JANE.user_id}> to follow up",
        services.new_uow(),
    )
    engagements.add_action(
        ADMIN, "C1", "Send the draft plan", services.new_uow(), owner_id=JANE.user_id
    )
    votes.record_ballot(JANE, "C1", "E85001", "for", services.new_uow())
    votes.record_ballot(JANE, "C1", "E85003", "against", services.new_uow())
    monkeypatch.setenv("DATABASE_URL", db_url)
    return services


def _everything_mentions(services, needle: str) -> list[str]:
    """Every table.column, anywhere in the database, whose text contains the needle."""
    meta = MetaData()
    meta.reflect(services.engine)
    hits = []
    with services.engine.connect() as conn:
        for table in meta.sorted_tables:
            for column in table.columns:
                # Text columns (an enum, such as the work queue's job status, is not text).
                if isinstance(column.type, (String, Text)) and not isinstance(column.type, Enum):
                    n = conn.scalar(
                        select(func.count()).select_from(table).where(column.contains(needle))
                    )
                    if n:
                        hits.append(f"{table.name}.{column.name}")
    return hits


def test_subject_access_exports_everything_held_about_a_user(held, capsys, tmp_path):
    out = tmp_path / "jane.json"
    assert main(["subject-access", "--user", JANE.user_id, "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    found = json.loads(out.read_text())
    held_ = found["held"]
    assert found["subject"]["slack_user_id"] == JANE.user_id
    assert [e["summary"] for e in held_["engagement"]] == [
        f"Spoke to the chair; <@{JANE.user_id}> to follow up"
    ]
    assert {r["role"] for r in held_["role"]} == {"returning-officer"}
    assert [s["code"] for s in held_["stakeholder"]] == ["E85002"]
    assert sorted(b["choice"] for b in held_["ballot"]) == ["against", "for"]
    assert len(held_["ballot_history"]) == 2
    assert [a["title"] for a in held_["action"]] == ["Send the draft plan"]
    actions = {a["action"] for a in held_["audit_event"]}
    assert {"engagement.log", "role.grant", "action.add"} <= actions
    assert any(a.startswith("vote.ballot") for a in actions)
    # Everything that names her, and nothing that does not.
    for rows in held_.values():
        for row in rows:
            assert JANE.user_id in json.dumps(row)


def test_subject_access_for_a_stakeholder(held, capsys):
    assert main(["subject-access", "--stakeholder", "E85001", "--programme", "C1"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["subject"]["code"] == "E85001"
    assert [b["choice"] for b in found["held"]["ballot"]] == ["for"]
    assert found["held"]["elector"]
    assert main(["subject-access", "--stakeholder", "E85001"]) == 2


def test_forgetting_a_person_pseudonymises_everywhere_and_keeps_every_figure(held, capsys):
    services = held
    before = votes.tally_vote(ADMIN, "C1", services.new_uow()).tally
    with services.engine.connect() as conn:
        counts = {
            t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
            for t in ("engagement", "ballot", "ballot_history", "audit_event", "action", "role")
        }
    assert _everything_mentions(services, JANE.user_id)

    out = RecordingMessenger()
    dispatch(
        CommandRequest(
            actor=ADMIN,
            channel_id="C1",
            text=f"person forget <@{JANE.user_id}>",
            services=services,
            out=out,
            trigger_id="t",
        )
    )
    reply = out.sent[-1][1]
    pseudonym = re.search(r"\*(forgotten-[0-9a-f]{10})\*", reply).group(1)

    assert _everything_mentions(services, JANE.user_id) == []
    assert "stakeholder.linked_user_id" in _everything_mentions(services, pseudonym)
    after = votes.tally_vote(ADMIN, "C1", services.new_uow()).tally
    assert (after.outcome, after.checksum, after.practices) == (
        before.outcome,
        before.checksum,
        before.practices,
    )
    with services.engine.connect() as conn:
        now = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in counts}
    assert now == {**counts, "audit_event": counts["audit_event"] + 1}  # + "a person was forgotten"
    with services.new_uow() as uow:
        programme_id = uow.programmes.by_name_or_channel("C1")[0].id
        last = uow.audit.for_programme(programme_id)[-1]
    assert last.action == "person.forget" and JANE.user_id not in (last.after or "")
    assert verify_trail(services.new_uow(), programme_id).verdict.intact
    assert main(["audit", "verify", "--programme", "C1"]) == 0
    assert main(["subject-access", "--user", JANE.user_id]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["held"] == {}


def test_only_admins_of_every_programme_holding_the_person_may_forget(held):
    services = held
    with pytest.raises(Forbidden):
        forget_person(Actor("T1", "USTRANGER"), "C1", JANE.user_id, services.new_uow())
    # Jane also appears in a second programme whose admin is someone else.
    programmes.setup_programme(Actor("T1", "UOTHER"), "C2", "Brent", services.new_uow())
    stakeholders.add_stakeholder(
        Actor("T1", "UOTHER"), "C2", "lmc", "Brent LMC", services.new_uow()
    )
    engagements.log_engagement(JANE, "C2", ["Brent LMC"], "email", "Wrote", services.new_uow())
    with pytest.raises(Forbidden, match="Brent"):
        forget_person(ADMIN, "C1", JANE.user_id, services.new_uow())
    with pytest.raises(UsageError, match="yourself"):
        forget_person(ADMIN, "C1", ADMIN.user_id, services.new_uow())
    assert _everything_mentions(services, JANE.user_id)  # nothing changed
    # A workspace admin is an admin everywhere.
    boss = Actor("T1", "UBOSS", _is_workspace_admin=True)
    done = forget_person(boss, "C1", JANE.user_id, services.new_uow())
    with services.new_uow() as uow:
        demo_name = uow.programmes.by_name_or_channel("C1")[0].name
    assert done.programmes == sorted(["Brent", demo_name])
    assert _everything_mentions(services, JANE.user_id) == []


def test_a_programme_is_archived_then_purged_after_its_retention_and_the_purge_is_logged(
    any_services,
):
    services = any_services
    programmes.setup_programme(ADMIN, "C9", "Old programme", services.new_uow())
    stakeholders.add_stakeholder(ADMIN, "C9", "lmc", "Some LMC", services.new_uow())
    engagements.log_engagement(ADMIN, "C9", ["Some LMC"], "call", "Talked", services.new_uow())
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")  # another programme, kept

    with pytest.raises(Forbidden):
        retention.set_retention(JANE, "C9", 6, services.new_uow())
    retention.set_retention(ADMIN, "C9", 6, services.new_uow())
    with freeze_time("2015-04-01 12:00:00"):
        r = retention.archive_programme(ADMIN, "C9", services.new_uow())
    assert r.purge_on.isoformat() == "2021-04-01"
    with services.new_uow() as uow:
        programme_id = uow.programmes.by_name_or_channel("C9")[0].id

    # A day before: nothing goes.
    assert retention.purge_due(services.new_uow(), datetime(2021, 3, 31, tzinfo=UTC)) == []
    # When it is due, the sweep purges it, every record in it, and logs what went.
    from jobs import SWEEPS

    SWEEPS["retention.purge"].run(services, datetime(2021, 4, 2, tzinfo=UTC))
    engine = services.engine
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(Programme.id == programme_id)) == 0
        for table, expr in PROGRAMME_OF.items():
            assert (
                conn.scalar(
                    text(f"SELECT count(*) FROM {table} WHERE {expr} = :p"), {"p": programme_id}
                )
                == 0
            ), table
        log = conn.execute(select(PurgeLog)).one()
        assert conn.scalar(select(func.count()).select_from(Programme)) == 1  # the demo stays
    assert log.programme_name == "Old programme" and log.retention_years == 6
    assert json.loads(log.records)["engagement"] == 1 and log.purged_by == "scheduler"
    assert log.audit_head is not None


def test_an_archived_programme_gets_no_reminders_or_digests(any_services):
    services = any_services
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")
    with services.new_uow() as uow:
        due_before = len(
            uow.deadlines.open_due_between(datetime(2000, 1, 1).date(), datetime(2100, 1, 1).date())
        )
        assert uow.digests.scheduled_programmes()
    with services.new_uow() as uow:
        for vote in uow.votes.open_votes(uow.programmes.by_name_or_channel("C1")[0].id):
            vote.state = "closed"
        uow.commit()
    retention.archive_programme(ADMIN, "C1", services.new_uow())
    with services.new_uow() as uow:
        assert due_before > 0
        assert (
            uow.deadlines.open_due_between(datetime(2000, 1, 1).date(), datetime(2100, 1, 1).date())
            == []
        )
        assert uow.digests.scheduled_programmes() == []
    retention.reopen_programme(ADMIN, "C1", services.new_uow())
    with services.new_uow() as uow:
        assert uow.digests.scheduled_programmes()


def test_every_column_that_holds_a_person_is_known():
    """A new table with a user id column must join PERSON_COLUMNS (and SCOPE, PROGRAMME_OF)."""
    known = set(PERSON_COLUMNS) | set(TEXT_COLUMNS) | NOT_PERSONAL
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if LOOKS_PERSONAL.search(column.name):
                assert (table.name, column.name) in known, (
                    f"{table.name}.{column.name} looks like it holds a person: add it to "
                    "storage/personal_data.py (PERSON_COLUMNS, SCOPE, PROGRAMME_OF) or NOT_PERSONAL"
                )
    for table, _ in PERSON_COLUMNS + TEXT_COLUMNS:
        assert table in SCOPE and table in Base.metadata.tables


def test_the_retention_command_reads_and_refuses_clearly(any_services):
    services = any_services
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")

    def run(line: str) -> str:
        out = RecordingMessenger()
        dispatch(
            CommandRequest(
                actor=ADMIN,
                channel_id="C1",
                text=line,
                services=services,
                out=out,
                trigger_id="t",
            )
        )
        return out.sent[-1][1]

    assert "kept until someone sets how long" in run("retention")
    assert "kept 6 years after it is archived" in run("retention 6 years")
    assert "not a number of years" in run("retention lots years")
    assert "from 1 to 50 years" in run("retention 0 years")
    assert "A vote is still open" in run("retention archive")


def test_the_directory_is_in_subject_access_and_forgetting_removes_the_names(held):
    from bot.people import Person
    from bot.services.directory import names_for, remember_people
    from bot.services.people import subject_access

    services = held
    remember_people(services.new_uow(), "T1", [Person(JANE.user_id, "jane", "Jane Patel")])
    remember_people(
        services.new_uow(), "T2", [Person(JANE.user_id, "jane2", "Other Workspace Jane")]
    )
    found = subject_access(services.new_uow(), user_id=JANE.user_id)
    names = {r["real_name"] for r in found["held"]["person"]}
    assert names == {"Jane Patel", "Other Workspace Jane"}  # the operator's view: every workspace
    found = subject_access(services.new_uow(), user_id=JANE.user_id, team="T1")
    assert [r["real_name"] for r in found["held"]["person"]] == ["Jane Patel"]
    forget_person(ADMIN, "C1", JANE.user_id, services.new_uow())
    with services.new_uow() as uow:
        assert names_for(uow, "T1", [JANE.user_id])(JANE.user_id).endswith("(not yet looked up)")
        # Another workspace's directory is that workspace's to forget.
        assert names_for(uow, "T2", [JANE.user_id])(JANE.user_id) == "Other Workspace Jane"
