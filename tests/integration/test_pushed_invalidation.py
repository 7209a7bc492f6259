"""Pushed invalidation on PostgreSQL: while a process listens, a read model hit and a feed's 304
run no statement at all; a commit anywhere is heard; a lost listening connection means
statements again until LISTEN is back."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import event, text

from bot.context import Actor
from bot.services import calendar as cal
from bot.services import read_models
from bot.services.coverage import show_coverage
from bot.services.programmes import setup_programme
from bot.settings import Settings
from handlers.http.calendar import calendar_feed
from tests.harness import build_services

pytestmark = pytest.mark.postgres

ADMIN = Actor("T1", "UADMIN", _is_workspace_admin=True)
BASE = "https://consult.example.org"
FEED = re.compile(r"/calendar/(?P<token>[^/]{1,100})\.ics")


class Statements:
    """Every statement the engine sends, counted at the driver."""

    def __init__(self, engine):
        self.sent: list[str] = []
        event.listen(engine, "before_cursor_execute", self._count)
        self.engine = engine

    def _count(self, _conn, _cursor, statement, *_args):
        self.sent.append(statement)

    def during(self, action) -> list[str]:
        before = len(self.sent)
        action()
        return self.sent[before:]


def _get(services, token: str, etag: str | None = None):
    environ = {"REQUEST_METHOD": "GET"}
    if etag:
        environ["HTTP_IF_NONE_MATCH"] = etag
    return calendar_feed(services, environ, FEED.match(f"/calendar/{token}.ics"))


@pytest.fixture
def world(pg_url):
    services = build_services(Settings(database_url=pg_url))
    setup_programme(ADMIN, "C1", "North", services.new_uow())
    token = cal.issue_feed(ADMIN, "C1", services.new_uow(), BASE).web.rsplit("/", 1)[1][:-4]
    yield services, token
    services.new_uow.stop_listening()
    services.engine.dispose()


def _hit_and_304(services, token: str) -> tuple[list[str], list[str], list[str]]:
    statements = Statements(services.engine)
    show_coverage(ADMIN, "C1", services.new_uow())  # builds (or reads the revision at least)
    hit = statements.during(lambda: show_coverage(ADMIN, "C1", services.new_uow()))
    status, headers, _ = _get(services, token)  # the first fetch renders it
    assert status == "200 OK"
    etag = dict(headers)["ETag"]
    repeat = statements.during(lambda: _get(services, token))
    not_modified = statements.during(lambda: _get(services, token, etag))
    assert _get(services, token, etag)[0] == "304 Not Modified"
    return hit, repeat, not_modified


def test_without_a_listener_every_hit_and_304_reads_the_revision(world):
    services, token = world
    hit, repeat, not_modified = _hit_and_304(services, token)
    assert len(hit) == len(repeat) == len(not_modified) == 1


def test_while_listening_a_hit_and_a_304_run_no_statement(world):
    services, token = world
    listener = services.new_uow.listen()
    assert listener.wait_trusted()
    hit, repeat, not_modified = _hit_and_304(services, token)
    assert hit == repeat == not_modified == []
    assert read_models.cache_of(services.new_uow()).hits >= 3


def test_a_commit_in_another_process_is_heard(world, pg_url):
    services, token = world
    listener = services.new_uow.listen()
    assert listener.wait_trusted()
    before = show_coverage(ADMIN, "C1", services.new_uow())
    other = build_services(Settings(database_url=pg_url), migrate=False)  # another process's
    try:
        from bot.services.stakeholders import add_stakeholder

        add_stakeholder(ADMIN, "C1", "practice", "Acorn Surgery", other.new_uow(), code="E85001")
    finally:
        other.engine.dispose()
    listener.sync()
    after = show_coverage(ADMIN, "C1", services.new_uow())
    assert after != before
    assert sum(t.total for t in after.types) == sum(t.total for t in before.types) + 1


def test_a_lost_listening_connection_means_statements_until_it_is_back(world):
    services, token = world
    listener = services.new_uow.listen()
    assert listener.wait_trusted()
    statements = Statements(services.engine)
    show_coverage(ADMIN, "C1", services.new_uow())
    cache = read_models.cache_of(services.new_uow())
    assert len(cache) == 1
    pid = listener.backend_pid()
    with services.engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    give_up = time.monotonic() + 10
    while services.new_uow.known.trusted and time.monotonic() < give_up:
        time.sleep(0.01)
    # The connection's end was noticed: nothing is trusted and the caches are empty, so that the
    # next request reads the revision as if nothing were pushed.
    assert not services.new_uow.known.trusted
    assert len(cache) == 0
    assert len(statements.during(lambda: show_coverage(ADMIN, "C1", services.new_uow()))) >= 1
    # Back with back-off, on a new connection: trusted again, with nothing carried over.
    assert listener.wait_trusted(timeout=30)
    assert listener.connections == 2 and listener.backend_pid() != pid
    assert len(cache) == 0
    show_coverage(ADMIN, "C1", services.new_uow())
    assert statements.during(lambda: show_coverage(ADMIN, "C1", services.new_uow())) == []
