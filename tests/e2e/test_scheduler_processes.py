"""`python app.py scheduler` as real processes on PostgreSQL: two at once send once; kill -9 the
leader and the other takes over; SIGTERM stops cleanly and releases the lead."""

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from app import bootstrap
from bot.settings import Settings
from jobs.scheduler import Leadership

from ..integration.test_scheduler import add_overdue_deadlines, reminder_keys

ROOT = Path(__file__).resolve().parents[2]
LEADS = re.compile(r"now runs the scheduled work \(pid (\d+)\)")


def start(pg_url, slack, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(DATABASE_URL=pg_url, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack.api_url)
    return subprocess.Popen(
        [sys.executable, "app.py", "scheduler", "--tick-seconds", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def wait_until(check, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def leader_pid(*logs: Path) -> int | None:
    for log in logs:
        found = LEADS.findall(log.read_text())
        if found:
            return int(found[-1])
    return None


@pytest.mark.postgres
@pytest.mark.slow
def test_two_scheduler_processes_then_kill_9_the_leader(pg_url, slack, tmp_path):
    services = bootstrap(Settings(database_url=pg_url))
    procs = []
    try:
        expected = add_overdue_deadlines(services, 5)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        procs = [start(pg_url, slack, log) for log in logs]
        wait_until(lambda: len(reminder_keys(slack)) >= expected, 60, f"{expected} reminders")
        time.sleep(3)  # several more ticks of both processes: nothing more may come
        keys = reminder_keys(slack)
        assert len(keys) == len(set(keys)) == expected
        first = leader_pid(*logs)
        assert first in {p.pid for p in procs}
        assert sum(bool(LEADS.search(log.read_text())) for log in logs) == 1

        leader = next(p for p in procs if p.pid == first)
        survivor = next(p for p in procs if p.pid != first)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        more = add_overdue_deadlines(services, 2, owners=("UCARL",), channel="C2")
        wait_until(
            lambda: len(reminder_keys(slack)) >= expected + more, 30, "the survivor to take over"
        )
        time.sleep(2)
        keys = reminder_keys(slack)
        assert len(keys) == len(set(keys)) == expected + more
        survivor_log = logs[procs.index(survivor)].read_text()
        assert f"now runs the scheduled work (pid {survivor.pid})" in survivor_log

        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(20) == 0
        assert "scheduler stopped" in logs[procs.index(survivor)].read_text()
        check = Leadership(services.engine)
        assert check.hold(), "a stopped scheduler left the lead behind"
        check.release()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        services.engine.dispose()


def test_scheduler_without_slack_explains_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    out = subprocess.run(
        [sys.executable, "app.py", "scheduler"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "SLACK_BOT_TOKEN" in out.stderr and "shell" in out.stderr


def _timezone_past_nine() -> tuple[str, int]:
    """A timezone where it is now between 09:00 and 22:00, and its weekday there: a weekly
    personal digest set for that day is due now, in real time, whatever the hour of the run."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for tz in ("Europe/London", "Pacific/Kiritimati", "Asia/Tokyo", "America/Los_Angeles"):
        local = datetime.now(ZoneInfo(tz))
        if 9 <= local.hour < 22:
            return tz, local.weekday()
    raise AssertionError("no timezone at a working hour")  # four zones cover every hour


def personal_digest_dms(slack) -> list[str]:
    return [
        body["channel"]
        for body in slack.sent("chat.postMessage")
        if ((body.get("metadata") or {}).get("event_payload") or {})
        .get("key", "")
        .startswith("personal-digest:")
    ]


@pytest.mark.postgres
@pytest.mark.slow
def test_personal_digests_once_each_through_a_kill_9_of_the_leader(pg_url, slack, tmp_path):
    """Every person's own digest, as DMs from two scheduler processes: kill -9 the one sending
    them part way; the other finishes, and nobody hears twice. A DM the killed process sent but
    had not recorded is settled from its metadata once its claim is stale; one it had claimed but
    not sent is sent then."""
    from datetime import timedelta

    from freezegun import freeze_time

    from app import slack_messenger_factory
    from bot import clock
    from jobs import personal_digests as job

    people = [f"UP{i:03d}" for i in range(40)]
    tz, weekday = _timezone_past_nine()
    services = bootstrap(
        Settings(database_url=pg_url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    )
    services = replace(services, messenger_for_team=slack_messenger_factory(services))
    procs = []
    try:
        now = clock.now()
        with services.new_uow() as uow:
            programme = uow.programmes.create(
                team_id="T1", channel_id="C1", name="Programme", timezone=tz, created_by="UADMIN"
            )
            for user in people:
                uow.actions.create(
                    programme_id=programme.id,
                    title=f"Call back {user}",
                    owner_id=user,
                    due_on=None,
                    created_by="UADMIN",
                )
                uow.personal_digests.set("T1", user, "weekly", weekday, tz, now)
            uow.commit()
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        procs = [start(pg_url, slack, log) for log in logs]
        wait_until(lambda: len(personal_digest_dms(slack)) >= 5, 60, "the first digests")
        first = wait_until(lambda: leader_pid(*logs), 10, "a leader")
        leader = next(p for p in procs if p.pid == first)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        wait_until(
            lambda: len(set(personal_digest_dms(slack))) >= len(people) - 1,
            60,
            "the survivor to send the rest",
        )
        time.sleep(3)  # more ticks: nothing more may come
        sent = personal_digest_dms(slack)
        assert len(sent) == len(set(sent)), "someone got their digest twice"
        # At most one was in flight when the leader died: claimed, and maybe sent. Once the claim
        # is stale the sweep settles it from Slack (sent) or sends it (not sent): exactly one each.
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(20)
        later = clock.now() + timedelta(minutes=10)
        job.DM_SPACING_SECONDS = 0
        with freeze_time(later):
            job.send_personal_digests(services, later)
        sent = personal_digest_dms(slack)
        assert sorted(sent) == sorted(set(sent)) and set(sent) == set(people)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
        services.engine.dispose()
