"""Backups that restore, on SQLite and PostgreSQL.

A backup is taken while two writers log engagements and record ballots; it is
restored into an empty database, and everything committed before the backup
began is there, nothing half-written is, and the restored database runs.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from app import main
from bot.context import Actor
from bot.services import engagements, votes
from bot.services.demo import load_demo
from bot.settings import Settings
from storage.backup import BackupError, backup, restore

from ..conftest import _fresh_pg_database
from ..harness import build_services

ADMIN = Actor("T1", "UADMIN")
TABLES = ("engagement", "ballot_history", "audit_event", "ballot")


def _ids(engine) -> dict[str, set[int]]:
    with engine.connect() as conn:
        return {t: set(conn.scalars(text(f"SELECT id FROM {t}"))) for t in TABLES}


def _empty_target(db_url: str, tmp_path: Path):
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}", lambda: None
    return _fresh_pg_database()


class Writers:
    """Two threads committing engagements and ballots until told to stop."""

    def __init__(self, services, vote_id: int):
        self.services, self.vote_id = services, vote_id
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.done = [threading.Event(), threading.Event()]
        self.threads = [
            threading.Thread(target=self._engagements, daemon=True),
            threading.Thread(target=self._ballots, daemon=True),
        ]

    def _guard(self, fn, started: threading.Event):
        try:
            n = 0
            while not self.stop.is_set():
                fn(n)
                n += 1
                if n == 5:
                    started.set()
        except BaseException as e:  # reported by the test, not lost in the thread
            self.errors.append(e)
            started.set()

    def _engagements(self):
        def one(n):
            engagements.log_engagement(
                ADMIN, "C1", ["LMC"], "call", f"Call number {n}", self.services.new_uow()
            )

        self._guard(one, self.done[0])

    def _ballots(self):
        def one(n):
            code = f"E85{n % 40 + 1:03d}"
            choice = ("for", "against", "abstain")[n % 3]
            votes.record_ballot(
                ADMIN, "C1", code, choice, self.services.new_uow(), vote_id=self.vote_id
            )

        self._guard(one, self.done[1])

    def __enter__(self):
        for t in self.threads:
            t.start()
        for started in self.done:
            started.wait(60)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)
        assert self.errors == []


def writers_wait_for_more(services, seen: dict[str, set[int]]) -> None:
    """Let the writers commit a few more before they are stopped."""
    import time

    engine = services.engine
    for _ in range(600):
        if len(_ids(engine)["engagement"] - seen["engagement"]) >= 3:
            return
        time.sleep(0.05)


def test_a_backup_during_writes_restores_everything_committed_before_it(
    any_services, db_url, tmp_path
):
    load_demo(any_services.new_uow(), "T1", "C1", "UADMIN")
    engine = any_services.engine
    with any_services.new_uow() as uow:
        vote_id = uow.votes.open_votes(uow.programmes.by_name_or_channel("C1")[0].id)[0].id
    out = tmp_path / "consult.backup"
    with Writers(any_services, vote_id):
        before = _ids(engine)
        snapshot = backup(engine, out)
        after = _ids(engine)
        writers_wait_for_more(any_services, after)
    # The writers were committing before the backup began and still after it ended.
    assert _ids(engine)["engagement"] - after["engagement"] and before["engagement"]
    assert out.stat().st_mode & 0o777 == 0o600

    target_url, drop = _empty_target(db_url, tmp_path)
    try:
        target = build_services(Settings(database_url=target_url), migrate=False)
        target_engine = target.engine
        restored_snapshot = restore(target_engine, out)
        assert restored_snapshot.schema == snapshot.schema
        restored = _ids(target_engine)
        for t in TABLES:
            # Everything committed before the backup began is there; nothing that never was.
            assert before[t] <= restored[t], t
            assert restored[t] <= after[t], t
        with target_engine.connect() as conn:
            # One moment's state: each engagement with its audit entry, each ballot with its history.
            audited = set(
                conn.scalars(text("SELECT entity_id FROM audit_event WHERE entity='engagement'"))
            )
            assert restored["engagement"] <= audited
            assert audited <= restored["engagement"] | {None}
            assert conn.scalar(text("SELECT count(*) FROM ballot")) == len(restored["ballot"])
            latest = conn.execute(
                text(
                    "SELECT b.choice, (SELECT h.choice FROM ballot_history h WHERE h.vote_id = b.vote_id"
                    " AND h.stakeholder_id = b.stakeholder_id ORDER BY h.id DESC LIMIT 1)"
                    " FROM ballot b"
                )
            ).all()
            assert latest and all(current == last for current, last in latest)
        with engine.connect() as conn:
            summaries = dict(conn.execute(text("SELECT id, summary FROM engagement")).all())
        with target_engine.connect() as conn:
            assert dict(conn.execute(text("SELECT id, summary FROM engagement")).all()) == {
                i: summaries[i] for i in restored["engagement"]
            }
        # The restored database is a working Consult.
        engagements.log_engagement(ADMIN, "C1", ["LMC"], "email", "After restore", target.new_uow())
        target_engine.dispose()
    finally:
        drop()


def test_restore_refuses_a_newer_snapshot_and_a_database_in_use(any_services, db_url, tmp_path):
    load_demo(any_services.new_uow(), "T1", "C1", "UADMIN")
    engine = any_services.engine
    good = tmp_path / "good.backup"
    snapshot_schema = backup(engine, good).schema
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    out = tmp_path / "future.backup"
    backup(engine, out)
    target_url, drop = _empty_target(db_url, tmp_path)
    try:
        target = build_services(Settings(database_url=target_url), migrate=False)
        with pytest.raises(BackupError, match="0099_from_the_future.*newer Consult"):
            restore(target.engine, out)
        with target.engine.connect() as conn:
            tables = conn.dialect.get_table_names(conn)
        assert tables == []  # nothing was changed
        # Into a database already in use: refused, nothing changed.
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": snapshot_schema}
            )
        with pytest.raises(BackupError, match="not empty"):
            restore(engine, good)
        target.engine.dispose()
    finally:
        drop()


def test_the_command_line_backs_up_and_restores(sqlite_url, tmp_path, monkeypatch, capsys):
    services = build_services(Settings(database_url=sqlite_url))
    load_demo(services.new_uow(), "T1", "C1", "UADMIN")
    services.engine.dispose()
    out = tmp_path / "nightly.backup"
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["backup", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Backed up the sqlite database" in said and "40 ballots" not in said
    assert out.read_bytes().startswith(b"SQLite format 3")

    restored = tmp_path / "restored.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{restored}")
    assert main(["restore", str(out)]) == 0
    assert "the database is at the current schema" in capsys.readouterr().out
    with sqlite3.connect(restored) as conn:
        assert conn.execute("SELECT name FROM programme").fetchall() != []

    # A second restore onto the now-full database is refused with a clear message.
    assert main(["restore", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "missing.backup")]) == 2
    assert "No such backup file" in capsys.readouterr().err


@pytest.mark.postgres
def test_the_postgres_tools_match_the_server(pg_url):
    from storage.backup import _server_major, pg_tool
    from storage.db import make_engine

    engine = make_engine(pg_url)
    major = _server_major(engine)
    for tool in ("pg_dump", "pg_restore"):
        version = subprocess.run(
            [pg_tool(tool, major), "--version"], capture_output=True, text=True
        )
        assert int(re.search(r"(\d+)", version.stdout).group(1)) >= major
    engine.dispose()
    with pytest.raises(BackupError, match=f"postgresql-client-{major + 50}"):
        pg_tool("pg_dump", major + 50)
