"""The database unreachable for a while, through the running app on PostgreSQL.

Requests are still acknowledged, with a clear "try again"; nothing is half
written; everything works again when the database is back.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from storage.models import AuditEvent, Deadline, Programme, Stakeholder

from ..conftest import PG_URL
from ..harness import SECRET_KEY, RunningApp

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TRY_AGAIN = "can't reach its database"


class Outage:
    """Takes a test database away (no new connections, existing ones killed) and gives it back."""

    def __init__(self, url: str):
        self.name = make_url(url).database
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")

    def begin(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": self.name},
            )

    def end(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    def kill(self, pid: int) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    def close(self) -> None:
        self.end()
        self.admin.dispose()


@pytest.fixture
def pg_app(pg_url, slack):
    app = RunningApp(pg_url, slack)
    outage = Outage(pg_url)
    yield app, outage
    outage.close()
    app.close()


def _count(app, model) -> int:
    with app.services.new_uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_commands_during_an_outage_are_answered_with_try_again_and_change_nothing(pg_app, slack):
    app, outage = pg_app
    app.command('setup "Hillingdon co-commissioning"')
    before = _count(app, Stakeholder), _count(app, AuditEvent)

    outage.begin()
    resp = app.command('stakeholder add lmc "Londonwide LMCs"')
    assert resp.status == 200  # acknowledged: Slack shows no timeout error
    reply = slack.sent("response")[-1]["text"]
    assert TRY_AGAIN in reply and "nothing was changed" in reply and "try again" in reply
    assert app.get("/healthz").status == 503

    outage.end()
    assert (_count(app, Stakeholder), _count(app, AuditEvent)) == before
    assert "Added to the register" in app.reply('stakeholder add lmc "Londonwide LMCs"')
    assert app.get("/healthz").status == 200


def test_connection_lost_in_the_middle_of_a_change_leaves_no_half_of_it(pg_app, slack):
    app, outage = pg_app
    engine = app.services.engine
    cut = {"done": False}

    @event.listens_for(engine, "before_cursor_execute")
    def cut_after_programme_insert(conn, cursor, statement, params, context, executemany):
        # The programme row is in; its deadlines and audit are not yet: lose the connection now.
        if not cut["done"] and statement.lstrip().upper().startswith("INSERT INTO DEADLINE"):
            cut["done"] = True
            outage.kill(conn.connection.dbapi_connection.info.backend_pid)

    reply = app.reply('setup "Hillingdon co-commissioning" --template co-commissioning --year 2014')
    assert cut["done"], "the setup never reached its deadlines"
    assert TRY_AGAIN in reply
    assert (_count(app, Programme), _count(app, Deadline), _count(app, AuditEvent)) == (0, 0, 0)
    assert (
        slack.sent("chat.postMessage") == []
    )  # nothing announced for a change that did not happen

    event.remove(engine, "before_cursor_execute", cut_after_programme_insert)
    assert "is set up here" in app.reply(
        'setup "Hillingdon co-commissioning" --template co-commissioning --year 2014'
    )
    assert _count(app, Programme) == 1 and _count(app, Deadline) > 0


def test_an_event_during_an_outage_is_refused_so_slack_delivers_it_again(pg_app):
    app, outage = pg_app
    seen: list[str] = []

    @app.bolt.event("reaction_added")
    def record(body, ack):
        ack()
        seen.append(body["event_id"])

    ev = {
        "type": "reaction_added",
        "user": "U1",
        "reaction": "eyes",
        "item": {"type": "message", "channel": "C1", "ts": "3.3"},
    }
    outage.begin()
    assert app.event(ev, event_id="EvDuringOutage").status >= 500
    outage.end()
    assert app.event(ev, event_id="EvDuringOutage", retry=1).status == 200
    assert app.event(ev, event_id="EvDuringOutage", retry=2).status == 200
    deadline = time.time() + 5
    while not seen and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    assert seen == ["EvDuringOutage"]


def test_with_many_workspaces_an_outage_still_gets_a_try_again_reply(pg_url, slack):
    from ..e2e.test_oauth import CLIENT_ID, CLIENT_SECRET, WorkspacesStub, install

    stub = WorkspacesStub()
    app = RunningApp(
        pg_url,
        stub,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        public_base_url="https://consult.example.org",
        secret_key=SECRET_KEY,
    )
    outage = Outage(pg_url)
    try:
        install(app, "T1")
        app.command('setup "Hillingdon co-commissioning"')
        outage.begin()
        resp = app.command('stakeholder add lmc "Londonwide LMCs"')
        assert resp.status == 200
        assert TRY_AGAIN in stub.sent("response")[-1]["text"]
        outage.end()
        assert "Added to the register" in app.reply('stakeholder add lmc "Londonwide LMCs"')
    finally:
        outage.close()
        app.close()
        stub.close()
