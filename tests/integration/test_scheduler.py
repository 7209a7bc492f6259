"""The scheduler's single leader: two schedulers at once on one database, on SQLite and PostgreSQL."""

import threading
import time
from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from app import bootstrap, slack_messenger_factory
from bot import clock
from bot.context import Actor
from bot.services.deadlines import add_deadline
from bot.services.programmes import setup_programme
from bot.settings import Settings
from jobs.scheduler import Leadership, start_scheduler

UTC = UTC
ADMIN = Actor(team_id="T1", user_id="UADMIN", _is_workspace_admin=True)


def make_services(url, slack):
    s = bootstrap(
        Settings(database_url=url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    )
    s = replace(s, messenger_for_team=slack_messenger_factory(s))
    return s


def reminder_keys(slack) -> list[str]:
    keys = []
    for body in slack.sent("chat.postMessage"):
        key = ((body.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if key.startswith("reminder:"):
            keys.append(key)
    return keys


def add_overdue_deadlines(services, count: int, owners=("UJANE", "UBOB"), channel="C1") -> int:
    """Deadlines due yesterday (in real time) whose day-of reminder is therefore due now, late.

    Returns how many reminder messages that makes (channel plus each owner)."""
    now = clock.now()
    with services.new_uow() as uow:
        programme = uow.programmes.by_channel("T1", channel)
        if programme is None:
            programme = uow.programmes.create(
                team_id="T1",
                channel_id=channel,
                name=f"Programme {channel}",
                timezone="Europe/London",
                created_by="UADMIN",
            )
        yesterday = clock.today_in(programme.timezone) - timedelta(days=1)
        for i in range(count):
            d = uow.deadlines.create(
                programme_id=programme.id,
                title=f"Overdue paper {i}",
                due_on=yesterday,
                remind_days="0",
                created_by="UADMIN",
                created_at=now - timedelta(days=10),
                updated_at=now - timedelta(days=10),
            )
            uow.deadlines.set_owners(d.id, owners)
        uow.commit()
    return count * (1 + len(owners))


@pytest.fixture
def two(db_url, slack):
    with freeze_time("2014-05-01 10:00:00"):
        first = make_services(db_url, slack)
        setup_programme(
            ADMIN,
            "C1",
            "Hillingdon",
            first.new_uow(),
            template="co-commissioning",
            year=2014,
            model="joint",
        )
        # The delegated route's proforma, tracked as the CCG's own deadline too.
        add_deadline(
            ADMIN, "C1", "Delegated commissioning proforma", date(2015, 1, 9), first.new_uow()
        )
    second = make_services(db_url, slack)
    yield first, second
    first.engine.dispose()
    second.engine.dispose()


def test_two_schedulers_at_once_only_one_sends(two, slack):
    a, b = (start_scheduler(s, start=False) for s in two)
    try:
        results = {}
        barrier = threading.Barrier(2)

        def tick(name, scheduler):
            barrier.wait()
            results[name] = scheduler.tick_now()

        with freeze_time("2015-01-16 09:00"):  # frozen for both threads
            threads = [threading.Thread(target=tick, args=(n, s)) for n, s in (("a", a), ("b", b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(results.values()) == [False, True]
        leader, follower = (a, b) if results["a"] else (b, a)
        keys = reminder_keys(slack)
        assert (
            len(keys) == len(set(keys)) == 2
        )  # the joint proforma's, and the delegated one's caught up
        # The leader stays the leader, tick after tick.
        with freeze_time("2015-01-23 09:00"):
            assert not follower.tick_now()
            assert leader.tick_now()
            assert not follower.tick_now()
        # When the leader stops, the other takes over at its next tick.
        leader.shutdown()
        with freeze_time("2015-01-29 09:00"):
            assert follower.tick_now()
        keys = reminder_keys(slack)
        assert len(keys) == len(set(keys)) == 4
    finally:
        a.shutdown()
        b.shutdown()


@pytest.mark.postgres
def test_a_leader_whose_connection_drops_loses_the_lead_to_the_other(pg_url, slack):
    first, second = make_services(pg_url, slack), make_services(pg_url, slack)
    a, b = start_scheduler(first, start=False), start_scheduler(second, start=False)
    try:
        assert a.tick_now() and not b.tick_now()
        pid = a.leadership._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with first.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        # The old leader notices at its next tick; the lock went with its session.
        assert not a.tick_now()
        assert b.tick_now()
        assert not a.tick_now()
    finally:
        a.shutdown()
        b.shutdown()
        first.engine.dispose()
        second.engine.dispose()


def test_shutdown_releases_the_lead(db_url):
    services = bootstrap(Settings(database_url=db_url))
    try:
        scheduler = start_scheduler(services, start=False)
        assert scheduler.tick_now()
        other = Leadership(services.engine)
        assert not other.hold()
        scheduler.shutdown()
        assert other.hold()
        other.release()
    finally:
        services.engine.dispose()


def test_two_running_background_schedulers_send_each_reminder_once(db_url, slack):
    """Real APScheduler threads, real time: two schedulers ticking every second on one database."""
    first, second = make_services(db_url, slack), make_services(db_url, slack)
    expected = add_overdue_deadlines(first, 4)
    schedulers = [start_scheduler(s, tick_seconds=1) for s in (first, second)]
    try:
        deadline = time.time() + 20
        while len(reminder_keys(slack)) < expected and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # a couple more ticks of both: nothing more may come
        keys = reminder_keys(slack)
        assert len(keys) == len(set(keys)) == expected
        assert sum(s.leadership.is_leader for s in schedulers) == 1
        with first.new_uow() as uow:
            rows = uow.deliveries.all_for(uow.programmes.by_channel("T1", "C1").id, "reminder")
        assert len(rows) == expected and all(r.state == "sent" and r.late for r in rows)
    finally:
        for s in schedulers:
            s.shutdown()
        first.engine.dispose()
        second.engine.dispose()
