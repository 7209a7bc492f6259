"""The audit trail proves itself: a hash chain per programme, checked by `audit verify`.

Rows are changed with SQL behind Consult's back, on SQLite and PostgreSQL,
and `audit verify` names the first entry that no longer holds.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from app import main
from bot import audit_chain
from bot.context import Actor
from bot.services import engagements, evidence
from bot.services.audit_trail import verify_trail
from bot.services.demo import load_demo

ADMIN = Actor("T1", "UADMIN")


@pytest.fixture
def demo(any_services, db_url, monkeypatch):
    load_demo(any_services.new_uow(), "T1", "C1", "UADMIN")
    monkeypatch.setenv("DATABASE_URL", db_url)
    with any_services.new_uow() as uow:
        programme = uow.programmes.by_name_or_channel("C1")[0]
    return any_services, programme.id


def _sql(services, statement: str, **params):
    with services.engine.begin() as conn:
        return conn.execute(text(statement), params)


def _entry_id(services, programme_id: int, seq: int) -> int:
    with services.engine.connect() as conn:
        return conn.scalar(
            text("SELECT id FROM audit_event WHERE programme_id = :p AND seq = :s"),
            {"p": programme_id, "s": seq},
        )


def _verify(capsys) -> tuple[int, str]:
    code = main(["audit", "verify", "--programme", "C1"])
    return code, capsys.readouterr().out


def test_an_untouched_trail_is_intact_and_every_entry_is_linked(demo, capsys):
    services, programme_id = demo
    code, out = _verify(capsys)
    assert code == 0 and "is intact" in out
    with services.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, prev_hash, hash FROM audit_event WHERE programme_id = :p ORDER BY seq"
            ),
            {"p": programme_id},
        ).all()
        head = conn.execute(
            text("SELECT audit_seq, audit_head FROM programme WHERE id = :p"), {"p": programme_id}
        ).one()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and len(rows) > 10
    assert rows[0].prev_hash == audit_chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert tuple(head) == (len(rows), rows[-1].hash)


def test_an_altered_entry_is_named(demo, capsys):
    services, programme_id = demo
    target = _entry_id(services, programme_id, 5)
    _sql(services, "UPDATE audit_event SET actor = 'UMALLORY' WHERE id = :i", i=target)
    code, out = _verify(capsys)
    assert code == 1
    assert f"Entry #5 (audit id {target}," in out and "was changed after it was written" in out
    assert "Entries #1 to #4 are intact" in out


def test_a_removed_entry_is_named(demo, capsys):
    services, programme_id = demo
    _sql(services, "DELETE FROM audit_event WHERE id = :i", i=_entry_id(services, programme_id, 7))
    code, out = _verify(capsys)
    assert code == 1 and "Entry #7 is missing" in out


def test_reordered_entries_are_caught(demo, capsys):
    services, programme_id = demo
    a, b = _entry_id(services, programme_id, 3), _entry_id(services, programme_id, 4)
    # Swap their places in the chain (through a free number, for the unique index).
    _sql(services, "UPDATE audit_event SET seq = -1 WHERE id = :i", i=a)
    _sql(services, "UPDATE audit_event SET seq = 3 WHERE id = :i", i=b)
    _sql(services, "UPDATE audit_event SET seq = 4 WHERE id = :i", i=a)
    code, out = _verify(capsys)
    assert code == 1 and "Entry #3" in out


def test_a_change_with_its_hash_recomputed_breaks_the_next_link(demo, capsys):
    services, programme_id = demo
    check = verify_trail(services.new_uow(), programme_id)
    assert check.verdict.intact
    with services.new_uow() as uow:
        entry = next(e for e in uow.audit.chain(programme_id) if e.seq == 6)
        entry.after = '{"forged": true}'
        entry.hash = audit_chain.hash_of(entry)
        uow.commit()
    code, out = _verify(capsys)
    assert code == 1 and "Entry #7" in out and "does not follow the entry before it" in out


def test_removing_the_last_entries_is_caught_by_the_head(demo, capsys):
    services, programme_id = demo
    with services.engine.connect() as conn:
        last = conn.scalar(
            text("SELECT max(seq) FROM audit_event WHERE programme_id = :p"), {"p": programme_id}
        )
    _sql(
        services,
        "DELETE FROM audit_event WHERE programme_id = :p AND seq >= :s",
        p=programme_id,
        s=last - 1,
    )
    code, out = _verify(capsys)
    assert code == 1 and f"Entry #{last - 1}" in out and "the trail is longer" in out


def _pack(services, programme_id):
    with services.new_uow() as uow:
        return evidence.compute(evidence.gather(uow, uow.programmes.get(programme_id)))


def test_the_evidence_pack_fingerprint_covers_the_chain_head(demo):
    services, programme_id = demo
    first = _pack(services, programme_id)
    again = _pack(services, programme_id)
    assert first.fingerprint == again.fingerprint
    with services.new_uow() as uow:
        head = uow.programmes.get(programme_id).audit_head
    assert first.source["audit_head"] == head
    # Only the trail changes (an entry no figure counts): the fingerprint changes with it.
    with services.new_uow() as uow:
        uow.audit.record(
            team_id="T1",
            programme_id=programme_id,
            actor="UADMIN",
            action="evidence.viewed",
            entity="programme",
            entity_id=programme_id,
        )
        uow.commit()
    assert _pack(services, programme_id).fingerprint != first.fingerprint
    _, html = evidence.build_pack_html(services.new_uow(), programme_id)
    with services.new_uow() as uow:
        assert uow.programmes.get(programme_id).audit_head in html


def test_two_writers_at_once_never_fork_the_chain(demo, capsys):
    services, programme_id = demo
    errors: list[BaseException] = []

    def write(n: int):
        try:
            for i in range(15):
                engagements.log_engagement(
                    ADMIN, "C1", ["LMC"], "call", f"Writer {n} call {i}", services.new_uow()
                )
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    code, out = _verify(capsys)
    assert code == 0, out
    with services.engine.connect() as conn:
        seqs = list(
            conn.scalars(
                text("SELECT seq FROM audit_event WHERE programme_id = :p ORDER BY seq"),
                {"p": programme_id},
            )
        )
    assert seqs == list(range(1, len(seqs) + 1))


def test_the_upgrade_chains_the_entries_written_before_it(db_url):
    from datetime import datetime

    from storage.db import make_engine, migrate
    from storage.uow import UnitOfWorkFactory

    engine = make_engine(db_url)
    try:
        migrate(engine, "0012_issue_vocabulary")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO programme (id, team_id, channel_id, name, timezone, created_by,"
                    " created_at, digest_enabled, digest_weekday, digest_time)"
                    " VALUES (1, 'T1', 'C1', 'Old', 'Europe/London', 'U1', :at, true, 0, '09:00')"
                ),
                {"at": datetime(2015, 1, 5, 9, 0)},
            )
            for i in range(1, 4):
                conn.execute(
                    text(
                        "INSERT INTO audit_event (team_id, programme_id, actor, at, action, entity,"
                        " entity_id, before, after) VALUES ('T1', 1, 'U1', :at, 'x.change', 'x',"
                        " :i, NULL, :after)"
                    ),
                    {"at": datetime(2015, 1, 5, 9, i, 0, 123456), "i": i, "after": f'{{"n": {i}}}'},
                )
        migrate(engine)
        check = verify_trail(UnitOfWorkFactory(engine)(), 1)
        assert check.verdict.intact and check.verdict.entries == 3 and check.head_seq == 3
    finally:
        engine.dispose()
