"""Backups that restore: a consistent snapshot while Consult runs, and its restore.

SQLite: the online backup API copies the database in one step under a read
transaction, so writers carry on (WAL) and the copy is one moment's state.
PostgreSQL: pg_dump in custom format, which reads inside one repeatable-read
transaction; pg_restore puts it back. Both tools must be at least the
server's major version, so they are looked for beside the server's own
version first (Debian installs each major version in its own folder).

A snapshot carries its schema version (Alembic's `alembic_version`). Restore
goes only into an empty database, refuses a snapshot from a newer Consult,
and brings an older one up to the current schema afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from storage.db import alembic_config, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
COUNTED = ("programme", "stakeholder", "engagement", "ballot", "audit_event")


class BackupError(Exception):
    """Something the operator can put right; the message says what."""


@dataclass
class Snapshot:
    path: Path
    engine: str  # sqlite | postgresql
    schema: str | None
    counts: dict[str, int]


# -- schema versions -------------------------------------------------------------
def _known_revisions(engine: Engine) -> tuple[set[str], str | None]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    return {r.revision for r in script.walk_revisions()}, script.get_current_head()


def check_schema(engine: Engine, schema: str | None) -> None:
    """Refuse a snapshot this Consult cannot bring to its own schema."""
    known, head = _known_revisions(engine)
    if schema is None:
        raise BackupError(
            "The backup has no schema version (no alembic_version table): it is not a "
            "Consult backup, or it was taken before the database was set up."
        )
    if schema not in known:
        raise BackupError(
            f"The backup is at schema version {schema}, which this Consult does not know: "
            f"it was made by a newer Consult (this one is at {head}). Restore it with that "
            "newer version of Consult; nothing was changed."
        )


def _ensure_empty(engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database at DATABASE_URL is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(sorted(tables)[:3])}). Restore only into a new, empty database: "
            "create one and point DATABASE_URL at it. Nothing was changed."
        )


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def _private_temp_beside(out: Path) -> Path:
    if not out.parent.is_dir():
        raise BackupError(f"No such folder: {out.parent}")
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    os.chmod(name, 0o600)  # personal data and (encrypted) tokens: the operator's eyes only
    return Path(name)


# -- backup ------------------------------------------------------------------------
def backup(engine: Engine, out: Path) -> Snapshot:
    """Write a consistent snapshot of the database to `out` (replaced only once complete)."""
    tmp = _private_temp_beside(out)
    try:
        if engine.dialect.name == "sqlite":
            snapshot = _backup_sqlite(engine, tmp)
        elif engine.dialect.name == "postgresql":
            snapshot = _backup_postgres(engine, tmp)
        else:
            raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    snapshot.path = out
    return snapshot


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return database


def _backup_sqlite(engine: Engine, tmp: Path) -> Snapshot:
    src = sqlite3.connect(_sqlite_path(engine), timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)  # all pages in one step: one moment's state, writers not blocked (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        src.close()
    try:
        return Snapshot(tmp, "sqlite", _sqlite_schema(dst), _counts(dst))
    finally:
        dst.close()


def _sqlite_schema(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


# -- PostgreSQL tools ----------------------------------------------------------------
def _server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _version_dir(path: str) -> int:
    """The major version a /usr/lib/postgresql/<major>/bin path names; 0 when none."""
    m = re.search(r"/(\d+)/bin/", path)
    return int(m.group(1)) if m else 0


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore of at least the server's major version."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}"]
    candidates += sorted(
        (str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")),
        key=lambda p: -_version_dir(p),
    )
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    for path in candidates:
        if not os.access(path, os.X_OK):
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"(\d+)(?:\.\d+)?", version)
        if m and int(m.group(1)) >= server_major:
            return path
    raise BackupError(
        f"No {name} of version {server_major} or newer was found, and the database server is "
        f"PostgreSQL {server_major}: install its client tools (on Debian or Ubuntu, "
        f"postgresql-client-{server_major})."
    )


def _libpq_env(engine: Engine) -> dict[str, str]:
    """Connection settings for the PostgreSQL tools, by environment (no password on argv)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    values = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": str(url.port) if url.port else url.query.get("port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else 'no message'}")
    return done.stdout


def _backup_postgres(engine: Engine, tmp: Path) -> Snapshot:
    major = _server_major(engine)
    env = _libpq_env(engine)
    _run(
        [
            pg_tool("pg_dump", major),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={tmp}",
        ],
        env,
        "pg_dump",
    )
    return _read_pg_dump(tmp, major, env)


def _read_pg_dump(path: Path, major: int, env: dict[str, str]) -> Snapshot:
    """Schema version and counts, read from the dump itself (what a restore would get)."""
    restore = pg_tool("pg_restore", major)
    data = _run(
        [
            restore,
            "--data-only",
            *(f"--table={t}" for t in ("alembic_version", *COUNTED)),
            "--file=-",
            str(path),
        ],
        env,
        "Reading the backup",
    )
    rows: dict[str, list[str]] = {}
    current = None
    for line in data.splitlines():
        m = re.match(r"COPY (?:\w+\.)?(\w+) ", line)
        if m:
            current = m.group(1)
            rows[current] = []
        elif line == "\\.":
            current = None
        elif current is not None:
            rows[current].append(line)
    schema = rows.get("alembic_version", [None])[0] if rows.get("alembic_version") else None
    return Snapshot(path, "postgresql", schema, {t: len(rows.get(t, [])) for t in COUNTED})


# -- restore ----------------------------------------------------------------------------
def kind_of(path: Path) -> str:
    if not path.is_file():
        raise BackupError(f"No such backup file: {path}")
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Consult backup (neither SQLite nor pg_dump's format).")


def read_snapshot(engine: Engine, path: Path) -> Snapshot:
    kind = kind_of(path)
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if ok != "ok":
                raise BackupError(f"{path} is damaged (SQLite says: {ok}).")
            schema = _sqlite_schema(conn)
            counts = _counts(conn) if schema else {}
            return Snapshot(path, kind, schema, counts)
        finally:
            conn.close()
    if engine.dialect.name != "postgresql":
        raise BackupError(
            f"{path} is a PostgreSQL backup: restore it with DATABASE_URL set to an empty "
            "PostgreSQL database."
        )
    return _read_pg_dump(path, _server_major(engine), _libpq_env(engine))


def restore(engine: Engine, path: Path) -> Snapshot:
    """Restore a snapshot into the empty database behind `engine`, then migrate it up."""
    snapshot = read_snapshot(engine, path)
    if snapshot.engine != engine.dialect.name:
        raise BackupError(
            f"{path} is a {snapshot.engine} backup but DATABASE_URL is a "
            f"{engine.dialect.name} database: restore it into the same kind it came from."
        )
    check_schema(engine, snapshot.schema)
    _ensure_empty(engine)
    if snapshot.engine == "sqlite":
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        engine.dispose()  # pooled connections saw the empty file
    else:
        env = _libpq_env(engine)
        _run(
            [
                pg_tool("pg_restore", _server_major(engine)),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={env['PGDATABASE']}",
                str(path),
            ],
            env,
            "pg_restore",
        )
    migrate(engine)
    return snapshot
