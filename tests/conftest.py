"""Shared fixtures: real databases (SQLite, PostgreSQL), the Slack stand-in, the running app."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.settings import Settings

from .harness import RunningApp, build_services
from .revision_guard import revision_guard  # noqa: F401 (autouse: every commit moves its revision)
from .slack_stub import SlackStub

PG_URL = os.environ.get("DATABASE_URL_PG")


def _fresh_pg_database() -> tuple[str, callable]:
    """A new, empty PostgreSQL database on the test cluster; dropped afterwards."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = "consult_" + uuid.uuid4().hex[:12]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Every storage test runs on both engines."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'consult.db'}"
        return
    if not PG_URL:
        pytest.fail(
            "DATABASE_URL_PG is not set: run the suite with `make test`, which starts PostgreSQL"
        )
    url, drop = _fresh_pg_database()
    yield url
    from storage.db import make_engine  # noqa: F401 (engines are disposed by their owners)

    drop()


@pytest.fixture
def pg_url():
    if not PG_URL:
        pytest.fail(
            "DATABASE_URL_PG is not set: run the suite with `make test`, which starts PostgreSQL"
        )
    url, drop = _fresh_pg_database()
    yield url
    drop()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'consult.db'}"


@pytest.fixture
def services(sqlite_url):
    """Services on a migrated SQLite file (for service-level tests)."""
    svc = build_services(Settings(database_url=sqlite_url))
    yield svc
    svc.engine.dispose()


@pytest.fixture
def any_services(db_url):
    """Services on SQLite and on PostgreSQL."""
    svc = build_services(Settings(database_url=db_url))
    yield svc
    svc.engine.dispose()


@pytest.fixture
def slack():
    stub = SlackStub()
    yield stub
    stub.close()
    # Every message and view the test made Consult send is one real Slack would take.
    assert stub.problems == []


@pytest.fixture
def running_app(db_url, slack):
    """The HTTP app (waitress + Bolt), on SQLite and PostgreSQL, talking to the Slack stand-in."""
    app = RunningApp(db_url, slack)
    yield app
    app.close()


@pytest.fixture
def sqlite_app(sqlite_url, slack):
    """The HTTP app on SQLite only, for end-to-end tests that do not concern storage."""
    app = RunningApp(sqlite_url, slack)
    yield app
    app.close()
