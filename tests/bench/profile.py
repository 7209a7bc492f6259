"""`make profile SCENARIO=<key>`: one benchmark scenario under a sampling profiler (py-spy).

    DATABASE_URL_PG=... python -m tests.bench.profile coverage [tally ...] [--scale 1] [--requests 600]

Builds the national data set once, starts the app as the benchmark does (`serve
--no-worker` and one `app.py worker`) and, for each scenario named, sends its signed requests
from concurrent clients while py-spy samples the web process and the worker,
and writes, per process, the collapsed stacks (open them in speedscope or feed
them to flamegraph.pl) and the top frames as text. Nothing it writes is
meant to be committed (profiles/ is ignored).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .dataset import Scale, build, create_database, drop_database
from .load import BenchSlack, Signer, run, start_app
from .scenarios import all_scenarios

ROOT = Path(__file__).resolve().parents[2]


# Leaves where a thread waits (on PostgreSQL, a socket, a lock or a queue) rather than
# computes: py-spy samples them as active, so the busy table leaves them out.
WAITING = {
    "Connection.wait",
    "AsyncConnection.wait",
    "Condition.wait",
    "Event.wait",
    "EpollSelector.select",
    "SocketIO.readinto",
    "trigger._physical_pull",
    "_worker",
}
OURS = ("app.py", "bot/", "blocks/", "handlers/", "jobs/", "storage/")


def _function(frame: str) -> str:
    """`name (path:line)` without the line, so one function is one row."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def top_frames(collapsed: Path, n: int = 25) -> str:
    """Self and total sample counts per frame, from py-spy's collapsed stacks, and
    Consult's own functions over the samples that were not waiting."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    samples = busy = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        k = int(count)
        samples += k
        frames = stack.split(";")
        own[frames[-1]] += k
        for frame in set(frames):
            total[frame] += k
        if frames[-1].partition(" (")[0] in WAITING:
            continue
        busy += k
        mine = {_function(f) for f in frames if f.partition(" (")[2].startswith(OURS)}
        for function in mine:
            ours[function] += k
    if not samples:
        return "no samples\n"

    def table(counts: Counter[str], title: str, of: int) -> list[str]:
        lines = [f"{title} ({of:,} samples)", f"{'share':>7}  frame"]
        lines += [f"{c / of:7.1%}  {f}" for f, c in counts.most_common(n)]
        return lines

    lines = table(own, "self", samples) + [""] + table(total, "total (self + callees)", samples)
    if busy:
        lines += ["", f"busy: {busy / samples:.1%} of samples were not waiting on I/O or locks"]
        lines += table(ours, "Consult's own functions, of the busy samples (inclusive)", busy)
    return "\n".join(lines) + "\n"


def pyspy_record(pid: int, out: Path, rate: int) -> subprocess.Popen | None:
    """py-spy sampling a process into `out` (collapsed stacks) until SIGINT; None without it."""
    exe = Path(sys.executable).with_name("py-spy")
    if not exe.exists():
        return None
    return subprocess.Popen(
        [
            str(exe),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _profile(scenario, server, data, slack, args) -> None:
    """One scenario's requests under py-spy, attached to the web process and to the worker."""
    make = scenario.prepare(server, data, slack, Signer())
    run(server, slack, make, 20, 10)  # warm up: imports, caches, pools
    spies: list[tuple[str, subprocess.Popen, Path]] = []
    try:
        for role, pid in (("web", server.proc.pid), ("worker", server.workers[0].pid)):
            out = args.out / f"{scenario.key}-{role}.collapsed.txt"
            spy = pyspy_record(pid, out, args.rate)
            if spy is None:
                raise SystemExit("py-spy is not installed in this virtual environment")
            spies.append((role, spy, out))
        time.sleep(1)  # py-spy attaches
        print(f"Sending {args.requests} {scenario.label} requests...", flush=True)
        sample = run(server, slack, make, args.requests, args.clients, start=20)
        print(f"  {sample.n} answered, {len(sample.failures)} failed", flush=True)
    finally:
        for _, spy, _ in spies:
            spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
        for _, spy, _ in spies:
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.kill()
    for role, _, out in spies:
        if not out.exists():
            print(f"py-spy wrote nothing for the {role} process", file=sys.stderr)
            continue
        text = top_frames(out)
        (out.with_suffix("").with_suffix(".top.txt")).write_text(text)
        print(f"\n== {scenario.key}, {role} process: {out} (open in speedscope)\n{text}")


def main(argv=None) -> int:
    keys = [s.key for s in all_scenarios()]
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.profile", description=__doc__.split("\n")[0]
    )
    p.add_argument("scenarios", nargs="+", choices=keys, metavar="scenario")
    p.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    p.add_argument("--requests", type=int, default=600)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    p.add_argument("--out", type=Path, default=ROOT / "profiles")
    args = p.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL_PG")
    if not admin_url:
        print("Set DATABASE_URL_PG (make profile starts a throwaway PostgreSQL).", file=sys.stderr)
        return 2
    chosen = [next(s for s in all_scenarios() if s.key == key) for key in args.scenarios]
    for scenario in chosen:
        if not scenario.available:
            print(f"{scenario.label} is not available: {scenario.why_not}", file=sys.stderr)
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"consult_profile_{os.getpid()}"
    url = create_database(admin_url, name)
    slack = BenchSlack()
    server = None
    try:
        print(f"Building the data set (scale {args.scale})...", flush=True)
        data = build(url, Scale.national(args.scale), log=lambda *_: None)
        log_dir = Path(tempfile.mkdtemp(prefix="consult-profile-"))
        server = start_app("profiled", url, slack, args.threads, log_dir)
        for scenario in chosen:
            _profile(scenario, server, data, slack, args)
    finally:
        if server is not None:
            server.stop()
        slack.close()
        drop_database(admin_url, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
