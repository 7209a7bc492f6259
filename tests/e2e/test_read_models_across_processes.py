"""Read models cached in one process never go stale after another process commits.

This test process is the reader: its Services keep coverage, the vote tally,
the deadlines list and the calendar feed in their per-process cache. The
writer is another OS process, `python app.py shell`, fed commands on its
standard input. After each of the writer's commits, what the reader serves
must be exactly what a brand-new app instance (an empty cache) computes.

On PostgreSQL the reader listens, as `serve` does, and trusts the revisions
it knows while it hears every commit's announcement: its hits then read
nothing. The announcement arrives a moment after the commit, so the reader
first waits until it has heard everything committed before (`sync()`, as a
request a few milliseconds later would have). With the announcements not
reaching it, the same reader serves stale answers: the last test shows that
this test would catch it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app import bootstrap
from blocks.votes import tally_text
from bot.context import Actor
from bot.services import calendar as cal
from bot.services import read_models
from bot.services.coverage import show_coverage
from bot.services.deadlines import list_deadlines
from bot.services.votes import tally_vote
from bot.settings import Settings
from handlers.commands.coverage import coverage_text
from handlers.console import LOCAL_ADMIN, LOCAL_CHANNEL, LOCAL_TEAM
from storage.uow import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor(LOCAL_TEAM, LOCAL_ADMIN, _is_workspace_admin=True)
BASE = "https://consult.example.org"


def shell(url: str, *commands: str) -> str:
    """Commands run by another process, each committed before it exits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "app.py", "shell", "--no-scheduler"],
        input="".join(f"/consult {c}\n" for c in commands),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.stdout


def views(services, token: str) -> dict:
    """What Consult shows, in the words people read (replies) and the feed's bytes and ETag."""
    report = show_coverage(ADMIN, LOCAL_CHANNEL, services.new_uow())
    tally = tally_vote(ADMIN, LOCAL_CHANNEL, services.new_uow())
    _, upcoming, earlier = list_deadlines(
        ADMIN, LOCAL_CHANNEL, services.new_uow(), include_all=True
    )
    feed = cal.fetch_feed(services.new_uow(), token)
    return {
        "coverage": coverage_text(report, names_per_type=10, duties=True),
        "tally": tally_text(tally, show_sizes=False),
        "deadlines": [(v.deadline.id, v.deadline.title, v.deadline.state) for v in upcoming]
        + [(v.deadline.id, v.deadline.title, v.deadline.state) for v in earlier],
        "feed": (feed.etag, feed.last_modified, feed.body),
    }


def fresh(url: str, token: str) -> dict:
    """The same, from a new app instance: nothing cached."""
    services = bootstrap(Settings(database_url=url))
    try:
        return views(services, token)
    finally:
        services.engine.dispose()


def _setup(url: str) -> None:
    shell(
        url,
        'setup "North programme"',
        'stakeholder add practice "Acorn Surgery" --code E85001 --list-size 6000',
        'stakeholder add practice "Birch Surgery" --code E85002 --list-size 4000',
        'vote open "Take on joint commissioning?" --closes 1/3/2027',
        'deadline add "Plan to NHS England" 2/2/2027',
    )


def _reader(url: str, channel: str | None = None):
    """The reader's services; on PostgreSQL listening (on `channel`, when given, instead of the
    one commits announce on) and trusting what it knows."""
    reader = bootstrap(Settings(database_url=url))
    if channel is not None:
        reader = replace(reader, new_uow=UnitOfWorkFactory(reader.engine, channel=channel))
    listener = reader.new_uow.listen()
    if listener is not None:
        assert listener.wait_trusted()
    return reader


def _heard(reader) -> None:
    """Wait until the reader has heard every commit made before (PostgreSQL)."""
    if reader.new_uow.listener is not None:
        reader.new_uow.listener.sync()


def _close(reader) -> None:
    reader.new_uow.stop_listening()
    reader.engine.dispose()


def _reader_never_sees_stale_data(url: str) -> None:
    _setup(url)
    reader = _reader(url)
    try:
        token = cal.issue_feed(ADMIN, LOCAL_CHANNEL, reader.new_uow(), BASE).web.rsplit("/", 1)[1][
            :-4
        ]
        first = views(reader, token)
        cache = read_models.cache_of(reader.new_uow())
        hits = cache.hits
        assert views(reader, token) == first
        assert cache.hits - hits == 4  # served from the cache: all four
        assert first == fresh(url, token)

        rounds = [
            ('engage E85001 meeting "Talked about the plan" --position support',),
            ("vote record E85001 for",),
            ('deadline add "Second submission" 3/3/2027',),
            ("vote record E85002 against", "deadline done 1"),
        ]
        before = first
        for commands in rounds:
            shell(url, *commands)
            _heard(reader)
            now = views(reader, token)  # the reader's cache is warm and now behind the database
            assert now == fresh(url, token), commands
            assert now != before, commands  # each round changed something shown
            before = now
        assert "1 of 2 engaged" in before["coverage"] and "0 of 2" in first["coverage"]
        assert "Second submission" in {t for _, t, _ in before["deadlines"]}
        assert b"Second submission" in before["feed"][2]
        assert first["feed"][0] != before["feed"][0]  # a new ETag for the new content
    finally:
        _close(reader)


def test_a_reader_process_never_sees_stale_read_models_on_sqlite(tmp_path):
    _reader_never_sees_stale_data(f"sqlite:///{tmp_path / 'consult.db'}")


@pytest.mark.postgres
def test_a_reader_process_never_sees_stale_read_models_on_postgres(pg_url):
    _reader_never_sees_stale_data(pg_url)


@pytest.mark.postgres
def test_without_the_announcements_the_reader_would_serve_stale_answers(pg_url):
    """The same reader, trusting what it knows, but listening where no commit announces: after
    the writer's commit it serves what it kept, and the test above would fail on it."""
    _setup(pg_url)
    reader = _reader(pg_url, channel="consult_revisions_unheard")
    try:
        assert reader.new_uow.known.trusted
        token = cal.issue_feed(ADMIN, LOCAL_CHANNEL, reader.new_uow(), BASE).web.rsplit("/", 1)[1][
            :-4
        ]
        first = views(reader, token)
        assert views(reader, token) == first  # kept, and the revisions known
        shell(pg_url, 'engage E85001 meeting "Talked about the plan" --position support')
        _heard(reader)  # it hears its own channel: nothing came on it
        now = views(reader, token)
        assert now == first  # stale: every answer as before the writer's commit
        assert now["coverage"] != fresh(pg_url, token)["coverage"]  # which the test above catches
    finally:
        _close(reader)
