"""Which programmes a transaction changed, so that their revision moves as it commits.

`programme.revision` is the programme's change counter: every commit that
changes what Consult shows about a programme raises it by one, in the same
transaction (UnitOfWork.commit(), in the step that also extends each
programme's audit chain under a lock on its row). Read models cached per process compare it with
one indexed read (bot/services/read_models.py).

A transaction touches a programme when it:
- writes an audit entry in it;
- flushes an ORM row (new, changed or deleted) of a programme-scoped table:
  one with a programme_id, or one that reaches its programme through the
  first foreign key to a table that has one (a ballot through its vote);
- runs Core DML on programme content: the repositories call touch() or
  touch_via() for those, since no flush event sees them.

Not programme content, so never counted: the delivery ledger, queued Slack
requests and events, the people directory (read models key on its own
mark), and a feed's fetch statistics (written with Core DML, untouched).

What the commit announces to every process (storage/invalidation.py) is
gathered here too: the programmes whose revision it raised, the workspaces
whose directory changed (a person's row added, deleted, or its `updated_at`
moved), and "everything" for writes that cannot be placed: Core DML on the
directory, and raw SQL that writes (pseudonymisation).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import FromClause, Table, TextClause, event, inspect, select
from sqlalchemy.orm import InstanceState, ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import UpdateBase

from storage.invalidation import Announcement
from storage.models import Base

# Tables whose rows say nothing Consult shows about a programme.
NOT_CONTENT = frozenset(
    {"delivery", "slack_request", "slack_event", "person", "purge_log", "personal_digest"}
    | {"slack_bots", "slack_installations", "slack_oauth_states"}
)

_KEY = "consult.touched_programmes"
_VIA = "consult.touched_via"
_WROTE = "consult.wrote"
_TEAMS = "consult.directory_teams"
_UNPLACED = "consult.unplaced_write"
_RAW_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def _parent_fk(table: Table) -> tuple[str, Table] | None:
    """(column, parent table) leading to the programme, for a table without programme_id."""
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        if "programme_id" in fk.column.table.c:
            return fk.parent.name, fk.column.table
    return None


# Each table's mapped class, to find a parent row this session already holds.
_MAPPED = {m.persist_selectable.description: m.class_ for m in Base.registry.mappers}

_PARENT = {
    t.name: _parent_fk(t)
    for t in Base.metadata.sorted_tables
    if "programme_id" not in t.c and t.name != "programme" and t.name not in NOT_CONTENT
}


def touched(session: Session) -> set[int]:
    found: set[int] = session.info.setdefault(_KEY, set())
    return found


def touch(session: Session, programme_id: int | None) -> None:
    """Core DML changed this programme's content in the current transaction."""
    if programme_id is not None:
        touched(session).add(programme_id)


def touch_via(session: Session, table: FromClause, row_id: int | None) -> None:
    """Core DML changed a row of `table` (which has programme_id) or of its children."""
    if row_id is not None:
        # A mapped class's __table__ is typed as any FromClause; ours are all named tables.
        assert isinstance(table, Table)
        session.info.setdefault(_VIA, set()).add((table.name, row_id))


def _note(session: Session, obj: object) -> None:
    table = getattr(obj, "__table__", None)
    if table is not None and table.name == "person":
        _note_person(session, obj)
        return
    if table is None or table.name in NOT_CONTENT:
        return
    state = inspect(obj)
    if table.name == "programme":
        touch(session, state.identity[0] if state.identity else _value(state, "id"))
        return
    if "programme_id" in table.c:
        touch(session, _value(state, "programme_id"))
        return
    parent = _PARENT.get(table.name)
    if parent is not None:
        column, parent_table = parent
        touch_via(session, parent_table, _value(state, column))


def _note_person(session: Session, obj: object) -> None:
    """A directory row whose shown mark (`updated_at`) moves: its workspace is announced."""
    state = inspect(obj)
    if state.persistent and not state.deleted and obj not in session.deleted:
        if not state.attrs.updated_at.history.has_changes():
            return  # seen again, nothing shown changed
    team = _value(state, "team_id")
    if team is None:
        session.info[_UNPLACED] = True
    else:
        session.info.setdefault(_TEAMS, set()).add(team)


def _value(state: InstanceState[Any], column: str) -> Any:
    """A column's value without loading anything (a deleted row's may only be in committed state)."""
    if column in state.dict:
        return state.dict[column]
    return state.committed_state.get(column)


def watch_writes(sessions: sessionmaker[Session]) -> None:
    """Note, on each session of `sessions`, what its transaction writes: whether it wrote at all
    (the worker's ledger note) and which programmes it touched. Flushes before the commit (a
    query's autoflush) empty the session's lists of changed rows, so they are read as they
    happen; UnitOfWork.commit() and rollback() clear the notes."""

    @event.listens_for(sessions, "after_flush")
    def _after_flush(session: Session, _ctx: object) -> None:
        session.info[_WROTE] = True
        for obj in (*session.new, *session.dirty, *session.deleted):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            _note(session, obj)

    @event.listens_for(sessions, "do_orm_execute")
    def _statement(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[_WROTE] = True
            statement = state.statement
            if isinstance(statement, UpdateBase) and getattr(statement.table, "name", None) in (
                "person",
                None,
            ):
                state.session.info[_UNPLACED] = True  # whose directory: not known
        elif isinstance(state.statement, TextClause) and _RAW_WRITE.match(state.statement.text):
            state.session.info[_WROTE] = True
            state.session.info[_UNPLACED] = True


def wrote(session: Session) -> bool:
    """The transaction has written something (flushed rows or run a write statement)."""
    return bool(session.info.get(_WROTE))


def forget(session: Session) -> None:
    """The transaction ended: start the next one's notes afresh."""
    for key in (_KEY, _VIA, _WROTE, _TEAMS, _UNPLACED):
        session.info.pop(key, None)


def programmes_touched(session: Session) -> set[int]:
    """Every programme touched so far, including rows still waiting for the commit's flush."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        _note(session, obj)
    found = set(touched(session))
    via: dict[str, set[int]] = {}
    for table_name, row_id in session.info.pop(_VIA, set()):
        via.setdefault(table_name, set()).add(row_id)
    for table_name, ids in via.items():
        # A parent row this session holds says its programme; only the others are read.
        unread, mapped = set(), _MAPPED.get(table_name)
        for row_id in ids:
            held = session.identity_map.get(identity_key(mapped, row_id)) if mapped else None
            programme_id = _value(inspect(held), "programme_id") if held is not None else None
            if programme_id is None:
                unread.add(row_id)
            else:
                found.add(programme_id)
        if unread:
            table = Base.metadata.tables[table_name]
            found |= set(
                session.scalars(
                    select(table.c.programme_id).where(table.c.id.in_(sorted(unread))).distinct()
                )
            )
    session.info.pop(_KEY, None)
    found.discard(None)
    return found


def announcement(session: Session, raised: set[int]) -> Announcement:
    """What the committing transaction tells every process: the programmes whose revision it
    `raised`, the workspaces whose directory it changed, or everything (see the module's doc)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(getattr(obj, "__table__", None), "name", None) == "person":
            _note_person(session, obj)
    if session.info.get(_UNPLACED):
        return Announcement(everything=True)
    return Announcement(frozenset(raised), frozenset(session.info.get(_TEAMS, ())))
