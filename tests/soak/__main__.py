"""Soak: `serve` with its scheduler for a long run at a national rate, on PostgreSQL.

    tests/with-postgres.sh .venv/bin/python -m tests.soak --minutes 30

Builds the national data set (tests/bench/dataset.py), starts
`python app.py serve` exactly as in production (HTTP, Bolt, the scheduler
and its sweeps), and talks to it for the whole run: calendar feed polls from
thousands of subscribers (Outlook-like, every few minutes, half with the
ETag they hold), slash commands and vote button clicks from people across
the country. Slack is a local stand-in that answers a share of Web API calls
with 429 (Retry-After: 1) or 500.

Each programme has one deadline whose reminder is due when the run starts
and a weekly digest timed inside the run, so the report can say whether
every reminder, owner DM and digest due in the window was sent exactly once.
It samples the server's memory, threads and database connections, and fails
(exit 1) when memory grows after warm-up, a send is missing or doubled, or
any request got an error reply.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bot.dates import add_working_days
from tests.bench.dataset import Scale, build, create_database, drop_database
from tests.bench.load import (
    BOT_TOKEN,
    ERROR_MARKS,
    SIGNING_SECRET,
    Server,
    Signer,
    free_port,
    http_get,
)
from tests.bench.scenarios import vote_button
from tests.slack_stub import SlackStub

DIGEST_KIND_HINT = "digest"


class FlakySlack(SlackStub):
    """The Slack stand-in, failing a share of Web API calls as Slack sometimes does."""

    def __init__(self, failure_rate: float, seed: int = 18):
        super().__init__()
        self.failure_rate = failure_rate
        self.rng = random.Random(seed)
        self.injected: Counter = Counter()

    def _answer(self, method, body, path):
        if method not in ("response", "auth.test") and self.rng.random() < self.failure_rate:
            status = 429 if self.rng.random() < 0.5 else 500
            with self._lock:
                self.injected[status] += 1
            self.fail(method, 1, status, {"Retry-After": "1"} if status == 429 else {})
        return super()._answer(method, body, path)

    def posted_keys(self) -> Counter:
        """Delivery keys of every message that reached Slack (failed calls are not posts)."""
        keys: Counter = Counter()
        with self._lock:
            for call in self.calls:
                if call.method == "chat.postMessage":
                    meta = call.body.get("metadata") or {}
                    key = (meta.get("event_payload") or {}).get("key")
                    if key:
                        keys[key] += 1
        return keys


@dataclass
class Sample:
    at: float
    rss_mb: float
    threads: int
    connections: int
    active: int
    sent: int


@dataclass
class Traffic:
    sent: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    replies_expected: dict[str, str] = field(default_factory=dict)  # response name -> command
    lock: threading.Lock = field(default_factory=threading.Lock)


def _proc(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def prepare_schedule(url: str, dataset, start: datetime, minutes: float) -> dict:
    """Make each programme's reminders and digest due in the window, and nothing else."""
    engine = create_engine(url)
    zone = "Asia/Tokyo"  # local time well past 09:00 for a run at any European hour
    local_now = start.astimezone(ZoneInfo(zone))
    if local_now.hour < 9 or local_now.hour >= 21:
        zone = (
            "Europe/London"
            if 9 <= start.astimezone(ZoneInfo("Europe/London")).hour < 21
            else "America/New_York"
        )
        local_now = start.astimezone(ZoneInfo(zone))
    today = local_now.date()
    due = add_working_days(today, 1)
    expected: dict[str, int] = {}
    spread = max(60.0, minutes * 60 - 150)
    with engine.begin() as conn:
        conn.execute(text("UPDATE deadline SET state = 'done'"))
        conn.execute(text("UPDATE action SET due_on = NULL"))
        conn.execute(
            text("UPDATE vote SET closes_at = :t"),
            {"t": start.replace(tzinfo=None) + timedelta(days=90)},
        )
        for i, p in enumerate(dataset.programmes):
            digest_at = local_now + timedelta(seconds=60 + spread * i / len(dataset.programmes))
            conn.execute(
                text(
                    "UPDATE programme SET timezone = :z, digest_enabled = true, digest_weekday = :w,"
                    " digest_time = :t WHERE id = :p"
                ),
                {"z": zone, "w": digest_at.weekday(), "t": digest_at.strftime("%H:%M"), "p": p.id},
            )
            deadline_id = conn.execute(
                text(
                    "INSERT INTO deadline (programme_id, kind, title, due_on, remind_days, state,"
                    " sequence, created_by, created_at, updated_at) VALUES (:p, 'deadline',"
                    " :title, :due, '1', 'open', 0, :u, :now, :now) RETURNING id"
                ),
                {
                    "p": p.id,
                    "title": f"Soak proforma {i}",
                    "due": due,
                    "u": p.admin,
                    # Set a week ago: reminders are owed only for days since a deadline was set.
                    "now": start.replace(tzinfo=None) - timedelta(days=7),
                },
            ).scalar_one()
            conn.execute(
                text("INSERT INTO deadline_owner (deadline_id, user_id) VALUES (:d, :u)"),
                {"d": deadline_id, "u": p.admin},
            )
            expected[p.id] = deadline_id
    engine.dispose()
    return {"zone": zone, "due": due, "deadlines": expected, "today": today}


def run(args) -> int:
    admin_url = os.environ["DATABASE_URL_PG"]
    name = f"consult_soak_{os.getpid()}"
    url = create_database(admin_url, name)
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"Building the data set (factor {args.factor}, {args.engagements:,} engagements)...")
    dataset = build(
        url, Scale.national(args.factor, engagements=args.engagements), log=lambda *a: None
    )
    slack = FlakySlack(args.failure_rate)
    start = datetime.now(UTC)
    schedule = prepare_schedule(url, dataset, start, args.minutes)
    port = free_port()
    server = Server(
        "soak",
        [sys.executable, "app.py", "serve", "--host", "127.0.0.1", "--threads", "16"],
        {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        },
        port,
        log_dir,
    )
    pid = server.proc.pid
    engine = create_engine(url, pool_size=1)
    signer = Signer()
    traffic = Traffic()
    payload, _ = vote_button()
    rng = random.Random(2014)
    feeds = [f"/calendar/{p.feed_token}.ics" for p in dataset.programmes if p.feed_token]
    etags: dict[str, str] = {}
    programmes = dataset.programmes
    voters = [(p, u) for p in programmes for _sid, u in p.practice_users]
    commands = [
        lambda p, i: (
            f'engage {p.practice_codes[i % len(p.practice_codes)]} call "Soak call {i}" --position support'
        ),
        lambda p, i: "coverage",
        lambda p, i: "deadlines",
        lambda p, i: "vote tally",
        lambda p, i: "stakeholder list practice",
        lambda p, i: "digest now",
        lambda p, i: "issues",
    ]

    def note(kind: str, status: int, ok: set[int], detail: str = "") -> None:
        with traffic.lock:
            traffic.sent[kind] += 1
            traffic.statuses[f"{kind} {status}"] += 1
            if status not in ok:
                traffic.bad.append(f"{kind} answered {status} {detail}")

    def send_signed(kind: str, req, command: str) -> None:
        from tests.bench.load import _send

        status, body, _ = _send(server, req, 30)
        note(kind, status, {200}, command)
        if status == 200 and req.reply_name:
            with traffic.lock:
                traffic.replies_expected[req.reply_name] = command

    def poll_feed(path: str) -> None:
        headers = {"If-None-Match": etags[path]} if path in etags and rng.random() < 0.5 else {}
        status, got, _ = http_get(server, path, headers)
        if status == 200 and got.get("etag"):
            etags[path] = got["etag"]
        note("feed", status, {200, 304})

    pool = ThreadPoolExecutor(max_workers=32)
    samples: list[Sample] = []
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                conns = conn.execute(
                    text(
                        "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).one()
                sent = conn.scalar(text("SELECT count(*) FROM delivery WHERE state = 'sent'"))
            samples.append(
                Sample(
                    time.time(),
                    _proc(pid, "VmRSS") / 1024,
                    _proc(pid, "Threads"),
                    conns[0],
                    conns[1],
                    sent,
                )
            )
            stop.wait(args.sample_seconds)

    threading.Thread(target=sampler, daemon=True).start()
    began = time.time()
    end = began + args.minutes * 60
    next_poll = [began + rng.uniform(0, args.poll_seconds) for _ in range(args.subscribers)]
    next_command = began + rng.expovariate(args.commands_per_second)
    next_click = began + rng.expovariate(args.clicks_per_second) if payload else float("inf")
    n = 0
    print(f"Soaking for {args.minutes} minutes (serve pid {pid}, port {port})...")
    while time.time() < end:
        now = time.time()
        for s, due in enumerate(next_poll):
            if due <= now:
                pool.submit(poll_feed, feeds[s % len(feeds)])
                next_poll[s] = due + args.poll_seconds
        while next_command <= now:
            n += 1
            p = programmes[n % len(programmes)]
            command = commands[n % len(commands)](p, n)
            user = p.admin if n % 2 else f"USOAK{n % 500}"
            req = signer.command(slack, command, p.team_id, p.channel_id, user)
            pool.submit(send_signed, "command", req, command)
            next_command += rng.expovariate(args.commands_per_second)
        while next_click <= now:
            n += 1
            p, user = voters[n % len(voters)]
            pool.submit(
                send_signed, "click", signer.interaction(slack, payload(p, user, n)), "click"
            )
            next_click += rng.expovariate(args.clicks_per_second)
        time.sleep(0.05)
    pool.shutdown(wait=True)
    # Let the last minute's sweep and the last replies land.
    time.sleep(args.settle_seconds)
    stop.set()
    report = check(args, slack, server, engine, dataset, schedule, traffic, samples, began)
    server.stop()
    engine.dispose()
    slack.close()
    if not args.keep:
        drop_database(admin_url, name)
    print(report["text"])
    if args.markdown:
        Path(args.markdown).write_text(report["text"], encoding="utf-8")
    return 0 if report["ok"] else 1


def check(args, slack, server, engine, dataset, schedule, traffic, samples, began) -> dict:
    ok = True
    lines = []
    posted = slack.posted_keys()
    doubled = {k: c for k, c in posted.items() if c > 1}
    with engine.connect() as conn:
        ledger = conn.execute(
            text("SELECT key, kind, recipient, state FROM delivery ORDER BY id")
        ).all()
    sent_keys = {r.key for r in ledger if r.state == "sent"}
    # A chart whose upload failed is shown as text bars in its digest (by design): counted, not
    # a failure. Every other send must be settled.
    pictures_as_text = [r for r in ledger if ":picture:" in r.key and r.state != "sent"]
    unsettled = [r for r in ledger if r.state != "sent" and ":picture:" not in r.key]
    # A digest is whole when its ":complete" marker is settled (a marker, not a post).
    digests = [r for r in ledger if r.kind == "digest" and r.key.endswith(":complete")]
    # Not posts: a digest's ":complete" marker, and its charts (file uploads, shown in the post).
    markers = {r.key for r in ledger if r.key.endswith(":complete") or ":picture:" in r.key}
    deadline_ids = {str(d) for d in schedule["deadlines"].values()}
    reminders = [
        r for r in ledger if r.key.startswith("reminder:") and r.key.split(":")[1] in deadline_ids
    ]
    programmes = len(dataset.programmes)
    missing_digests = programmes - len({r.key for r in digests if r.state == "sent"})
    # One channel reminder and one owner DM per programme's deadline.
    expected_reminders = 2 * programmes
    got_reminders = len({r.key for r in reminders if r.state == "sent"})
    # The posts in scope (reminders, DMs, digests and their parts); other features' ledger rows
    # (uploads, markers, work that is not a message) are not messages to look for.
    posts = {k for k in sent_keys - markers if k.startswith(("reminder:", "digest:"))}
    not_posted = [k for k in posts if posted.get(k, 0) == 0]

    replies = {c.path.rsplit("/", 1)[-1]: c.body for c in slack.calls if c.method == "response"}
    error_replies = []
    missing_replies = []
    for name_, command in traffic.replies_expected.items():
        body = replies.get(name_)
        if body is None:
            missing_replies.append(command)
            continue
        reply = body.get("text") or ""
        if any(mark in reply for mark in ERROR_MARKS if mark != "Usage:"):
            error_replies.append(f"{command}: {reply[:120]}")
    log_text = server.log_path.read_text(errors="replace")
    tracebacks = log_text.count("Traceback")
    errors_logged = sum(1 for line in log_text.splitlines() if " ERROR " in line)

    warm = [s for s in samples if s.at - began >= args.warmup_minutes * 60]
    growth = (warm[-1].rss_mb - warm[0].rss_mb) if len(warm) >= 2 else 0.0
    flat = growth <= max(args.memory_tolerance_mb, 0.10 * (warm[0].rss_mb if warm else 0))

    for cond, what in [
        (not doubled, f"no message posted twice ({len(doubled)} doubled)"),
        (missing_digests == 0, f"every digest sent ({programmes - missing_digests}/{programmes})"),
        (
            got_reminders == expected_reminders,
            f"every reminder and owner DM sent ({got_reminders}/{expected_reminders})",
        ),
        (not unsettled, f"no delivery left unsettled ({len(unsettled)})"),
        (
            not not_posted,
            f"every reminder, DM and digest post reached Slack ({len(not_posted)} did not)",
        ),
        (not traffic.bad, f"every request answered 200/304 ({len(traffic.bad)} not)"),
        (not error_replies, f"no error replies ({len(error_replies)})"),
        (not missing_replies, f"every command replied ({len(missing_replies)} missing)"),
        (flat, f"memory flat after warm-up ({growth:+.1f} MB)"),
    ]:
        ok &= cond
        lines.append(f"- {'PASS' if cond else 'FAIL'}: {what}")

    minutes = (samples[-1].at - began) / 60 if samples else 0
    rate = {k: v / max(1, minutes * 60) for k, v in traffic.sent.items()}
    text_ = [
        f"Soak run: {args.minutes} minutes, {programmes} programmes, "
        f"{len([p for p in dataset.programmes if p.feed_token])} calendar feeds polled by "
        f"{args.subscribers:,} subscribers every {args.poll_seconds} s, "
        f"{args.commands_per_second}/s commands, {args.clicks_per_second}/s clicks; "
        f"Slack stand-in failing {args.failure_rate:.0%} of Web API calls "
        f"({slack.injected[429]} x 429, {slack.injected[500]} x 500 injected in "
        f"{sum(1 for c in slack.calls if c.method != 'response'):,} Web API calls). "
        f"Machine load average at the end: {os.getloadavg()[0]:.1f} (2 cores, shared).",
        "",
        "Traffic: "
        + ", ".join(f"{k} {v:,} ({rate[k]:.2f}/s)" for k, v in sorted(traffic.sent.items())),
        f"Statuses: {dict(sorted(traffic.statuses.items()))}",
        f"Scheduled sends in the window: {len(digests)} digests, {len(reminders)} reminders and "
        f"owner DMs (timezone {schedule['zone']}, deadlines due {schedule['due']}); "
        f"{len(ledger)} ledger rows in all.",
        f"Server log: {errors_logged} ERROR lines, {tracebacks} tracebacks. Charts shown as "
        f"text bars after a failed upload: {len(pictures_as_text)}.",
        "",
        *lines,
        "",
        "| minute | RSS (MB) | threads | DB connections (active) | sends so far |",
        "|---:|---:|---:|---:|---:|",
    ]
    step = max(1, len(samples) // 16)
    for s in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        text_.append(
            f"| {(s.at - began) / 60:.1f} | {s.rss_mb:.1f} | {s.threads} | "
            f"{s.connections} ({s.active}) | {s.sent} |"
        )
    if error_replies or traffic.bad or missing_replies:
        text_ += [
            "",
            "First problems:",
            *[f"- {p}" for p in (error_replies + traffic.bad + missing_replies)[:10]],
        ]
    return {"ok": ok, "text": "\n".join(text_) + "\n"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    p.add_argument("--factor", type=float, default=1.0, help="data set scale (1.0: every CCG)")
    p.add_argument("--engagements", type=int, default=200_000)
    p.add_argument("--subscribers", type=int, default=3_000, help="calendar subscribers polling")
    p.add_argument("--poll-seconds", type=float, default=300.0, help="each subscriber's interval")
    p.add_argument("--commands-per-second", type=float, default=0.5)
    p.add_argument("--clicks-per-second", type=float, default=0.1)
    p.add_argument("--failure-rate", type=float, default=0.03, help="share of Slack calls failing")
    p.add_argument("--sample-seconds", type=float, default=30.0)
    p.add_argument("--warmup-minutes", type=float, default=5.0)
    p.add_argument("--memory-tolerance-mb", type=float, default=15.0)
    p.add_argument(
        "--settle-seconds", type=float, default=75.0, help="wait after the load for the last sweep"
    )
    p.add_argument("--log-dir", default="/tmp/consult-soak")
    p.add_argument("--markdown", type=Path, help="also write the report to this file")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = p.parse_args(argv)
    if not os.environ.get("DATABASE_URL_PG"):
        print("DATABASE_URL_PG is not set: run it with `make soak`.", file=sys.stderr)
        return 2
    args.warmup_minutes = min(args.warmup_minutes, args.minutes / 3)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
