"""A guard over the whole test suite: no commit changes programme content without moving its revision.

Every unit-of-work transaction is watched at the driver: when it inserts,
updates or deletes rows of a programme-scoped table (anything but what
storage/revisions.py calls NOT_CONTENT, and a feed's fetch statistics), the
same transaction must also raise `programme.revision`. A write path that
forgets (new Core DML without `touch`, a table the flush listener cannot
place) fails the test that exercised it, with the statement that did it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.revisions import NOT_CONTENT

_DML = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?\s*(.*)", re.I | re.S)
_SET = re.compile(r"^SET\s+(.*?)(\s+WHERE\s|\s+RETURNING\s|$)", re.I | re.S)
FETCH_STATISTICS = {
    "last_fetched_at",
    "fetch_count",
    "content_etag",
    "content_changed_at",
    "content_mark",
}
_KEY = "revision_guard"

violations: list[str] = []


def _columns_set(rest: str) -> set[str]:
    m = _SET.match(rest.strip())
    if not m:
        return set()
    return {part.split("=")[0].strip().strip('"') for part in m.group(1).split(",") if "=" in part}


def content_write(statement: str) -> str | None:
    """The table, when the statement writes programme content; None otherwise."""
    m = _DML.match(statement)
    if not m:
        return None
    verb, table, rest = m.group(1).upper(), m.group(2).lower(), m.group(3)
    if table in NOT_CONTENT or table.startswith(("procrastinate", "alembic")):
        return None
    if verb == "UPDATE" and table == "calendar_feed" and _columns_set(rest) <= FETCH_STATISTICS:
        return None
    if verb == "UPDATE" and table == "programme" and "revision" in _columns_set(rest):
        return None  # the bump itself
    return table


def _bumps(statement: str) -> bool:
    m = _DML.match(statement)
    return bool(
        m
        and m.group(1).upper() == "UPDATE"
        and m.group(2).lower() == "programme"
        and "revision" in _columns_set(m.group(3))
    )


@event.listens_for(Session, "after_begin")
def _watch(session, transaction, connection):
    if transaction.nested and _KEY in connection.info:
        return  # a savepoint inside the transaction already watched
    connection.info[_KEY] = {"writes": [], "bumped": False, "purged": False, "savepoints": []}


@event.listens_for(Engine, "before_cursor_execute")
def _seen(conn, cursor, statement, parameters, context, executemany):
    seen = _info(conn).get(_KEY)
    if seen is None:
        return
    words = statement.split(None, 3)[:3]
    if words[:1] == ["SAVEPOINT"]:
        seen["savepoints"].append(len(seen["writes"]))
    elif words[:2] == ["RELEASE", "SAVEPOINT"] and seen["savepoints"]:
        seen["savepoints"].pop()
    elif words[:3] == ["ROLLBACK", "TO", "SAVEPOINT"] and seen["savepoints"]:
        del seen["writes"][seen["savepoints"].pop() :]  # rolled back: never committed
    elif _bumps(statement):
        seen["bumped"] = True
    elif re.match(r"^\s*DELETE\s+FROM\s+\"?programme\"?\s", statement, re.I):
        seen["purged"] = True  # the programme itself goes: nothing is left to revise
    elif content_write(statement):
        seen["writes"].append(" ".join(statement.split())[:160])


def _info(conn) -> dict:
    """The connection's info, or an empty dict once the connection is lost (an outage test)."""
    if conn.invalidated or conn.closed:
        return {}
    return conn.info


@event.listens_for(Engine, "commit")
def _check(conn):
    seen = _info(conn).pop(_KEY, None)
    if seen and seen["writes"] and not seen["bumped"] and not seen["purged"]:
        violations.append("; ".join(dict.fromkeys(seen["writes"])))


@event.listens_for(Engine, "rollback")
def _forget(conn):
    _info(conn).pop(_KEY, None)


@pytest.fixture(autouse=True)
def revision_guard():
    """Fails the test if any commit it made changed programme content without a revision bump."""
    violations.clear()
    yield
    found, violations[:] = list(violations), []
    assert not found, (
        "programme content was committed without raising programme.revision "
        f"(storage/revisions.py: touch the programme): {found}"
    )
