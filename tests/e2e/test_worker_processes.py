"""`serve --no-worker` in front, `python app.py worker` processes behind, on PostgreSQL: an acked
command is answered exactly once, even when its worker is killed with -9 between ack and reply."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, text

from storage.models import Deadline, SlackRequest

from ..harness import BOT_TOKEN, RunningApp
from .test_scheduler_processes import wait_until

ROOT = Path(__file__).resolve().parents[2]


def start_worker(pg_url, slack, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(DATABASE_URL=pg_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url)
    return subprocess.Popen(
        # A short stall time, so that a killed worker's jobs come back soon.
        [sys.executable, "app.py", "worker", "--stall-seconds", "2", "--concurrency", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def ledger(web: RunningApp) -> list[tuple[str, str, int]]:
    with web.services.engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(SlackRequest.kind, SlackRequest.state, SlackRequest.attempts)
            )
        ]


def all_done(web: RunningApp) -> bool:
    rows = ledger(web)
    return bool(rows) and all(state == "done" for _, state, _ in rows)


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(10)


@pytest.mark.postgres
@pytest.mark.slow
def test_acked_with_no_worker_running_then_answered_once(pg_url, slack, tmp_path):
    web = RunningApp(pg_url, slack, worker=False)  # as `serve --no-worker`
    procs = []
    try:
        web.command('setup "Hillingdon"', wait=False)  # no worker yet: acked and waiting
        resp = web.command("help", wait=False)
        assert resp.status == 200 and resp.body == b""
        assert slack.sent("response") == []
        assert [state for _, state, _ in ledger(web)] == ["queued", "queued"]

        procs.append(start_worker(pg_url, slack, tmp_path / "w1.log"))
        procs.append(start_worker(pg_url, slack, tmp_path / "w2.log"))
        wait_until(lambda: all_done(web), 60, "both requests to be done")
        replies = [r["text"] for r in slack.sent("response")]
        assert len(replies) == 2
        assert any("Hillingdon" in text for text in replies)
    finally:
        stop(*procs)
        web.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_delivery_twice_is_one_ledger_row_one_job_one_reply(pg_url, slack, tmp_path):
    web = RunningApp(pg_url, slack, worker=False)
    worker = None
    try:
        body = urlencode(
            {
                "team_id": "T1",
                "channel_id": "C1",
                "user_id": "UADMIN",
                "command": "/consult",
                "text": "help",
                "response_url": slack.response_url("twice"),
                "trigger_id": "trigger-twice-pg",
            }
        )
        for _ in range(2):
            resp = web.signed_post(body, "application/x-www-form-urlencoded")
            assert resp.status == 200 and resp.body == b""
        with web.services.engine.connect() as conn:
            jobs = conn.scalar(text("SELECT count(*) FROM procrastinate_jobs"))
        assert jobs == 1
        assert [state for _, state, _ in ledger(web)] == ["queued"]

        worker = start_worker(pg_url, slack, tmp_path / "w.log")
        wait_until(lambda: all_done(web), 60, "the request to be done")
        slack.wait_for("response", 1)
        assert len(slack.sent("response")) == 1
    finally:
        if worker is not None:
            stop(worker)
        web.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_kill_9_a_worker_between_ack_and_reply(pg_url, slack, tmp_path):
    web = RunningApp(pg_url, slack, worker=False)
    procs = []
    try:
        first = start_worker(pg_url, slack, tmp_path / "w1.log")
        procs.append(first)
        slack.hold("response")  # the worker's reply will hang on its way to Slack
        assert web.command("help", wait=False).status == 200
        wait_until(lambda: slack.held, 60, "the worker to be replying")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        slack.release("response")  # the killed worker's reply never arrived
        assert slack.sent("response") == []
        assert [state for _, state, _ in ledger(web)] == ["running"]

        procs.append(start_worker(pg_url, slack, tmp_path / "w2.log"))
        wait_until(lambda: all_done(web), 60, "the restarted worker to answer")
        replies = slack.sent("response")
        assert len(replies) == 1
        assert "/consult" in replies[0]["text"]
        assert ledger(web) == [("command", "done", 2)]
    finally:
        stop(*procs)
        web.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_change_committed_before_the_kill_is_not_made_twice(pg_url, slack, tmp_path):
    web = RunningApp(pg_url, slack)  # a worker in the web process for the set-up
    web.command('setup "Hillingdon"')
    web.close()
    web = RunningApp(pg_url, slack, worker=False)
    procs = []
    try:
        procs.append(start_worker(pg_url, slack, tmp_path / "w1.log"))
        slack.reset()
        slack.hold("response")
        web.command('deadline add "Board paper" 2030-01-15', wait=False)
        wait_until(lambda: slack.held, 60, "the worker to be replying")
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        slack.release("response")
        assert [state for kind, state, _ in ledger(web) if state != "done"] == ["committed"]

        procs.append(start_worker(pg_url, slack, tmp_path / "w2.log"))
        wait_until(lambda: all_done(web), 60, "the restarted worker to answer")
        replies = slack.sent("response")
        assert len(replies) == 1
        assert "interrupted just after doing what you asked" in replies[0]["text"]
        with web.services.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Deadline)) == 1
    finally:
        stop(*procs)
        web.close()


def test_a_separate_worker_on_sqlite_explains_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}", SLACK_BOT_TOKEN=BOT_TOKEN)
    out = subprocess.run(
        [sys.executable, "app.py", "worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "PostgreSQL" in out.stderr and "serve" in out.stderr


@pytest.mark.parametrize("given", ["0", "-5", "soon"])
def test_a_stall_time_that_is_not_above_zero_is_refused_with_an_example(given):
    out = subprocess.run(
        [sys.executable, "app.py", "worker", "--stall-seconds", given],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--stall-seconds" in out.stderr and "above 0, e.g. 30" in out.stderr
