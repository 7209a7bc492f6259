"""`python app.py scheduler` as real processes on PostgreSQL: two at once send once; kill -9 the
leader and the other takes over; SIGTERM stops cleanly and releases the lead."""

import os
import re
import signal
import subprocess
import sys
import time
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
