"""Upgrading a database of the previous version, with data in every table, loses nothing."""

from __future__ import annotations

from datetime import date, datetime

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    select,
)

from storage.db import alembic_config, make_engine, migrate
from storage.models import Base

PREVIOUS = "0001"


def _value(table, column, i: int):
    """A distinct, valid value for row i (1 or 2); a foreign key points at the parent's row i."""
    t = column.type
    if column.foreign_keys or (column.primary_key and isinstance(t, Integer)):
        return i
    if isinstance(t, Boolean):
        return i == 2
    if isinstance(t, DateTime):
        return datetime(2015, 3, i, 9, 30)
    if isinstance(t, Date):
        return date(2015, 3, i)
    if isinstance(t, Integer):
        return 10 * i + 1
    if isinstance(t, (Float, Numeric)):
        return i + 0.5
    if isinstance(t, String) and t.length:
        return f"{i}{column.name}"[: t.length]
    if isinstance(t, (String, Text)):
        return f"row {i} of {table.name}.{column.name}"
    raise AssertionError(f"no sample value for {table.name}.{column.name} ({t!r})")


def _fill(engine) -> dict[str, list[dict]]:
    old = MetaData()
    old.reflect(engine)
    written: dict[str, list[dict]] = {}
    with engine.begin() as conn:
        for table in old.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [{c.name: _value(table, c, i) for c in table.columns} for i in (1, 2)]
            conn.execute(table.insert(), rows)
            written[table.name] = rows
    return written


def test_upgrading_a_previous_version_database_keeps_every_row(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, PREVIOUS)
        written = _fill(engine)
        assert len(written) >= 15  # every table of the previous version holds data

        migrate(engine)  # to every head, as `serve` does at start

        heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
        with engine.connect() as conn:
            assert set(conn.scalars(select(_version_table(engine)))) == heads
        new = MetaData()
        new.reflect(engine)
        with engine.connect() as conn:
            for name, rows in written.items():
                assert name in new.tables, f"table {name} disappeared"
                table = new.tables[name]
                missing = set(rows[0]) - set(table.c.keys())
                assert not missing, f"{name} lost columns {missing}"
                pk = [c.name for c in table.primary_key.columns]
                got = {
                    tuple(r[k] for k in pk): dict(r) for r in conn.execute(select(table)).mappings()
                }
                assert len(got) == len(rows), f"{name} has {len(got)} rows, not {len(rows)}"
                for row in rows:
                    stored = got[tuple(row[k] for k in pk)]
                    assert {k: stored[k] for k in row} == row, f"{name} row changed"

        # The application reads every old row through its own models.
        from storage.uow import UnitOfWorkFactory

        with UnitOfWorkFactory(engine)() as uow:
            for mapper in Base.registry.mappers:
                table = mapper.local_table
                if table.name in written:
                    assert len(uow.session.scalars(select(mapper.class_)).all()) == 2, table.name
    finally:
        engine.dispose()


def _version_table(engine):
    meta = MetaData()
    meta.reflect(engine, only=["alembic_version"])
    return meta.tables["alembic_version"].c.version_num
