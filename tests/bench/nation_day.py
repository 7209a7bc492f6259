"""A nation's day: a day of Consult's traffic for the whole country, replayed compressed.

    DATABASE_URL_PG=... python -m tests.bench.nation_day --scale 1 --compression 24
    DATABASE_URL_PG=... python -m tests.bench.nation_day --scale 0.02 --window 09:00-10:00 --no-search

The day (at `--scale` 1; every count below shrinks with it):

- 211 programmes, as the national data set builds them. The people who use
  Consult are the members of the programmes' channels the data set creates:
  each programme's admin and the practices' linked Slack users (about 6,000
  nationally). On a given day each admin and one practice user in three
  (ACTIVE_SHARE) are active: about 2,200 people.
- Each active person sends 20 commands a day (COMMAND_MIX: engage, coverage,
  deadlines, vote tally, the practice register, issues); each active practice
  user also clicks a vote button 5 times (admins have no vote). They come in
  office hours, 09:00 to 17:30, bunched by OFFICE_HOURS (half-hour weights,
  a mid-morning peak twice the mean).
- 2,000 people subscribe to the programmes' calendar feeds (every third
  programme has one); Outlook polls each every 30 minutes, round the clock,
  with If-None-Match: a 304 unless the feed changed since its last poll.
- The scheduler's work: the day is a Monday, so every programme's weekly
  digest is due at 09:00, and each day's deadline reminders. A separate
  process (the "scheduler" row; in production it is a thread of `serve`)
  runs every sweep (jobs.run_sweeps) at simulated times, every TICK_MINUTES
  of the day, with the digests' post spacing divided by the compression.

The day is compressed `--compression` times (24: the day in an hour) and
sent open-loop, each request at its own time whatever the answers, to
`serve --no-worker` and one `app.py worker`, as `make bench` starts them.
Reported: ack p50/p99 of the Slack requests, reply p99, the feed polls'
p99, how late the sender itself ran, and the CPU of each process (serve,
worker, the scheduler, and PostgreSQL: every process under its postmaster)
as CPU seconds and as a share of one core over the replay. Then (unless
`--no-search`) the largest compression at which acks stay under 300 ms p99,
replaying `--search-window` (09:00-11:00: the digests and the peak) at
doubling compressions, then bisecting, within `--search-minutes`. At scale
s, compression c carries c x s days of the whole country's traffic a day.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .dataset import Dataset, Scale, build, create_database, drop_database
from .load import (
    ROOT,
    BenchSlack,
    Sample,
    Server,
    Signer,
    _tree_cpu,
    http_get,
    one,
    percentile,
    start_app,
)
from .scenarios import _engage_text

ACTIVE_SHARE = 1 / 3  # of the practices' linked users, active on a given day (admins always are)
COMMANDS_PER_PERSON = 20
CLICKS_PER_PERSON = 5
SUBSCRIBERS = 2_000
POLL_MINUTES = 30
TICK_MINUTES = 10
REPLY_TIMEOUT = 30.0
MIN_TRIAL_SECONDS = 20
MIN_TRIAL_REQUESTS = 200
CLIENT_THREADS = 512  # each holds its request until the reply: enough for the peak at 24x
MAX_COMPRESSION = 24 * 64  # beyond this a trial of a two-hour window lasts under 5 s
ACK_TARGET = 0.300
ZONE = ZoneInfo("Europe/London")
# Half-hour slots from 09:00 to 17:00 (the last ends at 17:30): a mid-morning peak, a lunch dip,
# a smaller afternoon bump. The peak slot is about twice the mean.
OFFICE_HOURS = [6, 9, 12, 12, 10, 8, 6, 5, 5, 6, 6, 5, 4, 3, 2, 1, 1]
OFFICE_START = 9 * 3600
COMMAND_MIX = [
    ("engage", 40),
    ("coverage", 15),
    ("deadlines", 15),
    ("vote tally", 10),
    ("stakeholder list practice", 10),
    ("issues", 10),
]


@dataclass(order=True)
class Event:
    at: float  # seconds since midnight, simulated
    kind: str = field(compare=False)  # command | click | poll
    who: tuple = field(compare=False, default=())


@dataclass
class Day:
    events: list[Event]
    active: int
    members: int
    subscribers: int
    feeds: int
    ticks: list[float]


def _office_time(rng: random.Random) -> float:
    slot = rng.choices(range(len(OFFICE_HOURS)), weights=OFFICE_HOURS)[0]
    return OFFICE_START + slot * 1800 + rng.random() * 1800


def plan_day(data: Dataset, scale: float, seed: int = 29) -> Day:
    """Every request of the day, at its simulated time (seconds since midnight)."""
    rng = random.Random(seed)
    events: list[Event] = []
    active = members = 0
    for p in data.programmes:
        people = [(p.admin, None)] + [(user, sid) for sid, user in p.practice_users]
        members += len(people)
        chosen = [people[0]] + [x for x in people[1:] if rng.random() < ACTIVE_SHARE]
        active += len(chosen)
        for user, sid in chosen:
            for _ in range(COMMANDS_PER_PERSON):
                text = rng.choices([c for c, _ in COMMAND_MIX], [w for _, w in COMMAND_MIX])[0]
                events.append(Event(_office_time(rng), "command", (p, user, text)))
            if sid is not None and p.vote_id is not None:
                for _ in range(CLICKS_PER_PERSON):
                    events.append(Event(_office_time(rng), "click", (p, user)))
    feeds = [p for p in data.programmes if p.feed_token]
    subscribers = max(len(feeds), round(SUBSCRIBERS * scale)) if feeds else 0
    for k in range(subscribers):
        p = feeds[k % len(feeds)]
        phase = rng.random() * POLL_MINUTES * 60
        for n in range(int(24 * 60 / POLL_MINUTES)):
            events.append(Event(phase + n * POLL_MINUTES * 60, "poll", (p, k)))
    events.sort()
    ticks = [m * 60.0 for m in range(0, 24 * 60, TICK_MINUTES)]
    return Day(events, active, members, subscribers, len(feeds), ticks)


def monday(weeks_on: int = 0) -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_on)


# -- the scheduler, in its own process ------------------------------------------------
def sweeper_main(compression: float) -> int:
    """Read simulated times (ISO) on stdin; run every sweep at each; answer with the seconds taken."""
    from app import bootstrap, with_slack
    from bot.settings import load_settings
    from jobs import digests, run_sweeps

    digests.POST_SPACING_SECONDS /= compression
    digests.TICK_BUDGET_SECONDS /= compression
    services = with_slack(bootstrap(load_settings(dotenv_path=None), migrate=False))
    for line in sys.stdin:
        started = time.perf_counter()
        run_sweeps(services, datetime.fromisoformat(line.strip()))
        print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
    return 0


class Sweeper:
    def __init__(self, server: Server, compression: float, log_dir: Path):
        self._log = open(log_dir / "nation-day-scheduler.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.nation_day", "--sweeper", str(compression)],
            cwd=ROOT,
            env=server.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.took: list[float] = []
        threading.Thread(target=self._answers, daemon=True).start()

    def tick(self, at: datetime) -> None:
        """Run the sweeps at `at`, in the background; ticks queue behind a slow one."""
        self.proc.stdin.write(at.isoformat() + "\n")
        self.proc.stdin.flush()

    def _answers(self) -> None:
        for line in self.proc.stdout:  # one line per tick, in order
            try:
                self.took.append(json.loads(line)["seconds"])
            except (ValueError, KeyError):
                continue

    def cpu(self) -> float:
        return _tree_cpu(self.proc.pid)

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(60)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# -- the replay -------------------------------------------------------------------------
@dataclass
class Replay:
    compression: float
    window: tuple[float, float]
    wall: float = 0.0
    counts: Counter = field(default_factory=Counter)
    slack: Sample = field(default_factory=Sample)  # commands and clicks
    feeds: list[float] = field(default_factory=list)
    feed_status: Counter = field(default_factory=Counter)
    feed_failures: list[str] = field(default_factory=list)
    late: list[float] = field(default_factory=list)  # how far behind its schedule each send began
    cpu: dict[str, float] = field(default_factory=dict)
    sweeps: list[float] = field(default_factory=list)
    failed: Counter = field(default_factory=Counter)  # Slack requests that failed, by command
    slack_calls: Counter = field(default_factory=Counter)  # what the app sent Slack, by method

    @property
    def ack_p99(self) -> float | None:
        return percentile(self.slack.ack, 99)

    @property
    def met(self) -> bool:
        return (self.ack_p99 or 99) < ACK_TARGET and not self.slack.failures


def replay(
    day: Day,
    server: Server,
    slack: BenchSlack,
    signer: Signer,
    payload,
    postmaster: int | None,
    compression: float,
    window: tuple[float, float],
    day_of: date,
    log_dir: Path,
    etags: dict[int, str],
) -> Replay:
    """Send the window's events at their compressed times; the scheduler ticks alongside."""
    lo, hi = window
    events = [e for e in day.events if lo <= e.at < hi]
    ticks = [t for t in day.ticks if lo <= t < hi]
    out = Replay(compression, window)
    lock = threading.Lock()
    sweeper = Sweeper(server, compression, log_dir)
    held = dict(etags)  # subscriber -> the ETag it holds

    def poll(p, k: int) -> None:
        path = f"/calendar/{p.feed_token}.ics"
        headers = {"If-None-Match": held[k]} if k in held else {}
        started = time.perf_counter()
        try:
            status, got_headers, _ = http_get(server, path, headers)
        except OSError as e:
            with lock:
                out.feed_failures.append(f"{type(e).__name__}: {e}")
            return
        took = time.perf_counter() - started
        with lock:
            out.feed_status[status] += 1
            if status in (200, 304):
                out.feeds.append(took)
            else:
                out.feed_failures.append(f"HTTP {status}")
        if status == 200 and got_headers.get("etag"):
            held[k] = got_headers["etag"]

    def send(e: Event, due: float) -> None:
        late = time.perf_counter() - due  # behind schedule: the loop, or no free client thread
        with lock:
            out.late.append(max(0.0, late))
        if e.kind == "poll":
            poll(*e.who)
            return
        i = int(e.at * 1000)
        if e.kind == "command":
            p, user, text = e.who
            if text == "engage":
                text = _engage_text(p, i)
            make = lambda _i: signer.command(slack, text, p.team_id, p.channel_id, user)  # noqa: E731
            label = text.split(" ")[0] if not text.startswith(("vote", "stakeholder")) else text
        else:
            p, user = e.who
            make = lambda i: signer.interaction(slack, payload(p, user, i))  # noqa: E731
            label = "vote click"
        got = Sample()
        one(server, slack, make, i, got, lock, REPLY_TIMEOUT)
        with lock:
            out.slack.ack += got.ack
            out.slack.final += got.final
            out.slack.failures += got.failures
            out.slack.reply_after_ack += got.reply_after_ack
            if got.failures:
                out.failed[label] += 1

    base = datetime(day_of.year, day_of.month, day_of.day, tzinfo=ZONE)
    before = {
        "serve": server.web_cpu_seconds(),
        "worker": sum(_tree_cpu(w.pid) for w in server.workers if w.poll() is None),
        "scheduler": sweeper.cpu(),
        "postgres": _tree_cpu(postmaster) if postmaster else 0.0,
    }
    calls_before = Counter(slack.counts)
    merged = sorted([(e.at, e) for e in events] + [(t, None) for t in ticks], key=lambda x: x[0])
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            for at, e in merged:
                due = started + (at - lo) / compression
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                if e is None:
                    sweeper.tick(base + timedelta(seconds=at))
                    continue
                out.counts[e.kind] += 1
                pool.submit(send, e, due)
            # The rest of the window passes even if nothing more is sent.
            rest = started + (hi - lo) / compression - time.perf_counter()
            if rest > 0:
                time.sleep(rest)
            out.wall = time.perf_counter() - started
        # (the pool has drained: the last replies are in, and their CPU is counted below)
        deadline = time.time() + 120
        while time.time() < deadline and len(sweeper.took) < len(ticks):
            time.sleep(0.2)
        out.slack_calls = Counter(slack.counts) - calls_before
        out.cpu = {
            "serve": server.web_cpu_seconds() - before["serve"],
            "worker": sum(_tree_cpu(w.pid) for w in server.workers if w.poll() is None)
            - before["worker"],
            "scheduler": sweeper.cpu() - before["scheduler"],
            "postgres": (_tree_cpu(postmaster) if postmaster else 0.0) - before["postgres"],
        }
    finally:
        out.sweeps = list(sweeper.took)
        sweeper.stop()
    return out


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:,.0f} ms"


def describe(r: Replay) -> list[str]:
    lo, hi = r.window
    wall = max(r.wall, 1e-9)
    cpu = ", ".join(f"{k} {v:.1f} s ({v / wall:.1%} of a core)" for k, v in r.cpu.items())
    s = r.slack
    return [
        f"{r.compression:g}x, {_hhmm(lo)}-{_hhmm(hi)} in {r.wall:.0f} s: "
        f"{r.counts['command']:,} commands, {r.counts['click']:,} clicks, {r.counts['poll']:,} feed "
        f"polls ({r.feed_status.get(304, 0):,} answered 304, {r.feed_status.get(200, 0):,} 200)",
        f"  ack p50 {_ms(percentile(s.ack, 50))}, p99 {_ms(r.ack_p99)}; reply p99 "
        f"{_ms(percentile(s.final, 99))}; feed p99 {_ms(percentile(r.feeds, 99))}; failures: "
        f"{len(s.failures)} Slack requests, {len(r.feed_failures)} polls"
        + (
            f" (first: {(s.failures or r.feed_failures)[0][:120]}; by command: "
            + ", ".join(f"{k} {n}" for k, n in r.failed.most_common())
            + ")"
            if s.failures or r.feed_failures
            else ""
        ),
        f"  CPU: {cpu}",
        f"  sender late by p99 {_ms(percentile(r.late, 99))} (a late sender understates the load); "
        f"sweeps: {len(r.sweeps)} ticks, longest {max(r.sweeps, default=0):.1f} s",
        "  Slack calls: " + ", ".join(f"{m} {n:,}" for m, n in sorted(r.slack_calls.items())),
    ]


def _hhmm(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def _window(text: str) -> tuple[float, float]:
    a, b = text.split("-")

    def secs(t: str) -> float:
        h, m = t.split(":")
        return int(h) * 3600 + int(m) * 60

    return secs(a), secs(b)


def search(
    run_at, start: float, budget: float, say, window_seconds: float = 7200
) -> tuple[float | None, list[Replay]]:
    """The largest compression with ack p99 under the target: double, then bisect, in budget.
    A trial shorter than MIN_TRIAL_SECONDS or with fewer than MIN_TRIAL_REQUESTS Slack requests
    is too small for its p99 to mean anything: the search stops there and says so."""
    began = time.perf_counter()
    tried: list[Replay] = []
    good, bad = None, None
    c = start
    while time.perf_counter() - began < budget and c <= MAX_COMPRESSION:
        if window_seconds / c < MIN_TRIAL_SECONDS:
            say(f"  search: stopped before {c:g}x: a trial would last under {MIN_TRIAL_SECONDS} s")
            break
        r = run_at(c)
        tried.append(r)
        small = r.slack.n + len(r.slack.failures) < MIN_TRIAL_REQUESTS
        say(
            f"  search: {c:g}x ack p99 {_ms(r.ack_p99)} "
            f"{'under' if r.met else 'NOT under'} {ACK_TARGET * 1000:.0f} ms "
            f"({r.slack.n:,} Slack requests in {r.wall:.0f} s"
            + (", too few to judge: the search stops here)" if small else ")")
        )
        if small:
            break
        if r.met:
            good = c
        else:
            bad = c
        if bad is None:
            c *= 2
        elif good is None:
            c /= 2
            if c < 1:
                break
        else:
            if bad / good < 1.2:
                break
            c = (good * bad) ** 0.5
    return good, tried


def run_nation_day(
    admin_url: str,
    scale: float,
    compression: float = 24,
    window: str = "00:00-24:00",
    do_search: bool = True,
    search_window: str = "09:00-11:00",
    search_minutes: float = 20,
    threads: int = 16,
    say=print,
    dataset: Dataset | None = None,
) -> dict:
    """Build (or take) the data set, replay the day, search the largest compression. Returns the
    figures the bench's targets need."""
    from .cpu_profile import postmaster_pid
    from .scenarios import vote_button

    name = f"consult_nation_day_{os.getpid()}"
    own = dataset is None
    slack = BenchSlack()
    server = None
    try:
        if own:
            url = create_database(admin_url, name)
            say(f"Building the national data set at scale {scale}...")
            dataset = build(url, Scale.national(scale), log=lambda *_: None)
        day = plan_day(dataset, scale)
        say(
            f"A nation's day at scale {scale}: {len(dataset.programmes)} programmes, "
            f"{day.members:,} channel members, {day.active:,} active, {day.subscribers:,} feed "
            f"subscribers over {day.feeds} feeds: "
            + ", ".join(
                f"{n:,} {k}s" for k, n in sorted(Counter(e.kind for e in day.events).items())
            )
        )
        log_dir = Path(tempfile.mkdtemp(prefix="consult-nation-day-"))
        server = start_app("nation-day", dataset.url, slack, threads, log_dir)
        postmaster = postmaster_pid(dataset.url)
        payload, why = vote_button()
        if payload is None:
            day.events = [e for e in day.events if e.kind != "click"]
            say(f"  (no clicks: {why})")
        etags: dict[int, str] = {}
        by_feed: dict[str, str] = {}
        for e in day.events:
            if e.kind == "poll" and e.who[1] not in etags:
                p = e.who[0]
                if p.feed_token not in by_feed:
                    status, headers, _ = http_get(server, f"/calendar/{p.feed_token}.ics")
                    by_feed[p.feed_token] = headers.get("etag", "") if status == 200 else ""
                if by_feed[p.feed_token]:
                    etags[e.who[1]] = by_feed[p.feed_token]
        signer = Signer()
        weeks = [0]

        def run_at(c: float, win: str) -> Replay:
            r = replay(
                day,
                server,
                slack,
                signer,
                payload,
                postmaster,
                c,
                _window(win),
                monday(weeks[0]),  # a later Monday each time: its digests are due afresh
                log_dir,
                etags,
            )
            weeks[0] += 1
            slack.reset()
            return r

        say(f"Replaying {window} at {compression:g}x...")
        main = run_at(compression, window)
        for line in describe(main):
            say("  " + line)
        best, tried = None, []
        if do_search:
            say(
                f"Searching the largest compression with ack p99 under {ACK_TARGET * 1000:.0f} ms "
                f"({search_window}, at most {search_minutes:g} minutes)..."
            )
            lo, hi = _window(search_window)
            best, tried = search(
                lambda c: run_at(c, search_window),
                compression,
                search_minutes * 60,
                say,
                hi - lo,
            )
            if best is None:
                say("  none of the compressions tried kept acks under the target")
            else:
                say(
                    f"  largest compression met: {best:g}x"
                    + (
                        " (at least: no trial failed within the budget)"
                        if len(tried) and all(r.met for r in tried)
                        else ""
                    )
                    + f" at scale {scale}, i.e. about "
                    f"{best * scale:.2f} days of the whole country's traffic per day on this machine"
                    + (" (extrapolated from a smaller scale)" if scale < 1 else "")
                )
        return {
            "compression": compression,
            "window": window,
            "scale": scale,
            "ack_p99": main.ack_p99,
            "reply_p99": percentile(main.slack.final, 99),
            "met": main.met,
            "cpu": main.cpu,
            "wall": main.wall,
            "best": best,
            "days_per_day": None if best is None else best * scale,
            "tried": [(r.compression, r.ack_p99) for r in tried],
        }
    finally:
        if server is not None:
            server.stop()
        slack.close()
        if own:
            drop_database(admin_url, name)


def main(argv=None) -> int:
    if argv is None and len(sys.argv) == 3 and sys.argv[1] == "--sweeper":
        return sweeper_main(float(sys.argv[2]))
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.nation_day", description=__doc__.splitlines()[0]
    )
    p.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    p.add_argument("--compression", type=float, default=24)
    p.add_argument(
        "--window", default="00:00-24:00", help="the part of the day replayed (HH:MM-HH:MM)"
    )
    p.add_argument("--no-search", action="store_true", help="only the replay at --compression")
    p.add_argument("--search-window", default="09:00-11:00")
    p.add_argument("--search-minutes", type=float, default=20)
    p.add_argument("--threads", type=int, default=16)
    args = p.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL_PG")
    if not admin_url:
        print(
            "Set DATABASE_URL_PG (tests/with-postgres.sh starts a throwaway one).", file=sys.stderr
        )
        return 2
    got = run_nation_day(
        admin_url,
        args.scale,
        args.compression,
        args.window,
        not args.no_search,
        args.search_window,
        args.search_minutes,
        args.threads,
    )
    print(json.dumps(got, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
