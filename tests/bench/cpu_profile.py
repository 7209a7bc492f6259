"""`make profile SCENARIO="engage coverage digest-now"`: where the CPU goes, counted in CPU time.

    DATABASE_URL_PG=... python -m tests.bench.cpu_profile engage coverage digest-now \\
        [--scale 0.02] [--requests 200] [--no-pyspy]

Builds the national data set (at `--scale`), starts the app as the benchmark
does (`serve --no-worker` and one `app.py worker`) and the bare Bolt app on
the same WSGI server, and for each scenario:

- reads the CPU time (utime + stime in /proc/<pid>/stat) of the web
  process, the worker and PostgreSQL (every process under the postmaster
  that serves the data set) before and after the measured requests, so
  the cost is CPU seconds per request, not samples, and sends the same
  requests to the bare app for the ratio;
- records the web process and the worker with `perf record -e cpu-clock`
  (attached to each process's threads). perf counts CPU: a thread waiting on
  PostgreSQL or a socket is not on a CPU and is not sampled, and time spent
  in C (libpq, psycopg's C, ssl, sqlite, zlib) is counted where it is spent.
  Python 3.11 has no perf trampoline, so Python code shows as libpython's
  eval loop; the top frames are native ones (`perf report --no-children`,
  self time, by shared object and symbol);
- alongside, py-spy samples the same processes for the Python functions
  (idle samples left out, as py-spy does by default); its shares are of
  py-spy's samples, which are not CPU time, so read them for which Python
  code runs, and perf's for how much CPU it costs.

Each frame's share is also given in CPU milliseconds per request (the
share of the process's perf samples times its CPU per request from /proc).
Everything is written to profiles/ (not committed); the summary printed at
the end is Markdown, to paste into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import Scale, build, create_database, drop_database, libpq_url
from .load import BenchSlack, Server, Signer, _tree_cpu, run, start_app, start_bare
from .profile import pyspy_record, top_frames
from .scenarios import all_scenarios

ROOT = Path(__file__).resolve().parents[2]
ALIASES = {"digest-now": "digest", "digest now": "digest", "vote-tally": "tally"}


def scenario_key(name: str) -> str:
    return ALIASES.get(name, name)


def _tree_pids(pid: int) -> list[int]:
    """A process and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def postmaster_pid(url: str) -> int | None:
    """The postmaster of the server holding `url` (the parent of one of its backends), when
    it runs on this machine; its process tree is all of PostgreSQL's CPU for the data set."""
    import psycopg

    try:
        with psycopg.connect(libpq_url(url)) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            stat = Path(f"/proc/{backend}/stat").read_text()
            return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, psycopg.Error, ValueError, IndexError):
        return None


@dataclass
class CpuReading:
    """CPU seconds of each process of interest, read from /proc."""

    web: float = 0.0
    worker: float = 0.0
    postgres: float = 0.0

    @classmethod
    def now(cls, server: Server, postmaster: int | None) -> CpuReading:
        return cls(
            web=server.web_cpu_seconds(),
            worker=sum(_tree_cpu(w.pid) for w in server.workers if w.poll() is None),
            postgres=_tree_cpu(postmaster) if postmaster else 0.0,
        )

    def __sub__(self, other: CpuReading) -> CpuReading:
        return CpuReading(
            self.web - other.web, self.worker - other.worker, self.postgres - other.postgres
        )


@dataclass
class Frames:
    samples: int = 0
    rows: list[tuple[float, str, str]] = field(default_factory=list)  # (share, dso, symbol)
    dsos: list[tuple[float, str]] = field(default_factory=list)


PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*?)\s*$")
PERF_DSO = re.compile(r"^\s*([\d.]+)%\s+(\d+)\s+(\S+)\s*$")


def perf_frames(data: Path) -> Frames:
    """Self time by (shared object, symbol) and by shared object, from `perf report`."""

    def report(sort: str, *more: str) -> list[str]:
        got = subprocess.run(
            [
                "perf",
                "report",
                "-i",
                str(data),
                "--stdio",
                "--no-children",
                "-g",
                "none",
                "--sort",
                sort,
                "--percent-limit",
                "0.3",
                *more,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        return got.stdout.splitlines()

    out = Frames()
    for line in report("dso,sym"):
        m = PERF_LINE.match(line)
        if m:
            out.rows.append((float(m.group(1)) / 100, m.group(2), m.group(3)))
    for line in report("dso", "-n"):
        m = PERF_DSO.match(line)
        if m and not line.startswith("#"):
            out.dsos.append((float(m.group(1)) / 100, m.group(3)))
            out.samples += int(m.group(2))
    return out


def _perf(pids: list[int], out: Path) -> subprocess.Popen | None:
    if shutil.which("perf") is None:
        return None
    return subprocess.Popen(
        [
            "perf",
            "record",
            "-e",
            "cpu-clock",
            "-F",
            "499",
            "-g",
            "-p",
            ",".join(map(str, pids)),
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(procs: list[subprocess.Popen | None]) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGINT)  # perf and py-spy write their files and exit
    for p in procs:
        if p is None:
            continue
        try:
            p.wait(120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _short(symbol: str, width: int = 60) -> str:
    return symbol if len(symbol) <= width else symbol[: width - 1] + "…"


def profile_scenario(scenario, app: Server, bare: Server, data, slack, postmaster, args) -> str:
    signer = Signer()
    make_app = scenario.prepare(app, data, slack, signer)
    make_bare = scenario.prepare(bare, data, slack, signer)
    offset = args.offset
    args.offset += 10_000
    run(app, slack, make_app, 20, min(10, args.clients), start=offset)  # warm up
    run(bare, slack, make_bare, 20, min(10, args.clients), start=offset)
    key = scenario.key
    perf_out = {role: args.out / f"{key}-{role}.perf.data" for role in ("web", "worker")}
    spy_out = {role: args.out / f"{key}-{role}.collapsed.txt" for role in ("web", "worker")}
    pids = {"web": _tree_pids(app.proc.pid), "worker": _tree_pids(app.workers[0].pid)}
    # Attached to the threads that exist now: the warm-up started every pool's threads.
    tasks_of = {
        role: [int(t.name) for p in ps for t in Path(f"/proc/{p}/task").iterdir()]
        for role, ps in pids.items()
    }
    recorders = []
    if not args.no_perf:
        recorders += [_perf(tasks_of[r], perf_out[r]) for r in ("web", "worker")]
    if not args.no_pyspy:
        recorders += [pyspy_record(pids[r][0], spy_out[r], args.rate) for r in ("web", "worker")]
    time.sleep(1.5)  # perf and py-spy attach
    try:
        before = CpuReading.now(app, postmaster)
        got = run(app, slack, make_app, args.requests, args.clients, start=offset + 20)
        spent = CpuReading.now(app, postmaster) - before
    finally:
        _stop(recorders)
    bare_got = run(bare, slack, make_bare, args.requests, args.clients, start=offset + 20)
    n, bare_n = max(1, got.n), max(1, bare_got.n)
    per = {
        "web": spent.web / n,
        "worker": spent.worker / n,
        "postgres": spent.postgres / n,
    }
    bare_cpu = bare_got.cpu / bare_n
    app_cpu = per["web"] + per["worker"]
    lines = [
        f"#### {scenario.label}",
        "",
        f"{got.n} requests ({len(got.failures)} failed), {args.clients} clients. CPU per request "
        f"from /proc: web {per['web'] * 1000:.1f} ms, worker {per['worker'] * 1000:.1f} ms "
        f"(together **{app_cpu / bare_cpu:.2f}x** the bare app's {bare_cpu * 1000:.1f} ms), "
        f"PostgreSQL {per['postgres'] * 1000:.1f} ms.",
    ]
    if got.failures:
        lines.append(f"First failure: {got.failures[0][:160]}")
    for role in ("web", "worker"):
        if not args.no_perf and perf_out[role].exists():
            frames = perf_frames(perf_out[role])
            cpu = per[role]
            lines += [
                "",
                f"{role} process, perf cpu-clock ({frames.samples:,} samples), self time; "
                f"ms = CPU ms per request:",
                "",
                "| share | ms/req | object | symbol |",
                "|---:|---:|---|---|",
            ]
            lines += [
                f"| {share:.1%} | {share * cpu * 1000:.2f} | {dso} | `{_short(sym)}` |"
                for share, dso, sym in frames.rows[: args.top]
            ]
            dsos = ", ".join(f"{d} {s:.0%}" for s, d in frames.dsos[:8])
            lines += ["", f"By object: {dsos}."]
        if not args.no_pyspy and spy_out[role].exists():
            text = top_frames(spy_out[role], n=args.top)
            spy_top = args.out / f"{key}-{role}.pyspy.top.txt"
            spy_top.write_text(text)
            ours = text.split("Consult's own functions", 1)
            if len(ours) == 2:
                rows = ours[1].splitlines()[2 : 2 + args.top]
                lines += [
                    "",
                    f"{role}, py-spy, Consult's own functions (inclusive, of busy samples):",
                ]
                lines += ["", "```", *[r.rstrip() for r in rows], "```"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    keys = [s.key for s in all_scenarios()]
    p = argparse.ArgumentParser(
        prog="python -m tests.bench.cpu_profile", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="scenario",
        help=f"{', '.join(keys)} (digest-now is digest)",
    )
    p.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    p.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", "300")))
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=15, help="frames per table")
    p.add_argument("--no-pyspy", action="store_true")
    p.add_argument("--no-perf", action="store_true")
    p.add_argument("--out", type=Path, default=ROOT / "profiles")
    args = p.parse_args(argv)
    args.offset = 0
    wanted = [scenario_key(k) for k in args.scenarios]
    unknown = [k for k in wanted if k not in keys]
    if unknown:
        p.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(keys)}")
    admin_url = os.environ.get("DATABASE_URL_PG")
    if not admin_url:
        print("Set DATABASE_URL_PG (make profile starts a throwaway PostgreSQL).", file=sys.stderr)
        return 2
    chosen = [next(s for s in all_scenarios() if s.key == k) for k in wanted]
    for scenario in chosen:
        if not scenario.available:
            print(f"{scenario.label} is not available: {scenario.why_not}", file=sys.stderr)
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"consult_cpu_profile_{os.getpid()}"
    url = create_database(admin_url, name)
    slack = BenchSlack()
    servers: list[Server] = []
    summary: list[str] = []
    try:
        print(f"Building the data set (scale {args.scale})...", flush=True)
        data = build(url, Scale.national(args.scale), log=lambda *_: None)
        log_dir = Path(tempfile.mkdtemp(prefix="consult-cpu-profile-"))
        app = start_app("profiled", url, slack, args.threads, log_dir)
        servers.append(app)
        bare = start_bare(slack, args.threads, log_dir)
        servers.append(bare)
        postmaster = postmaster_pid(url)
        for scenario in chosen:
            print(f"Profiling {scenario.label} ({args.requests} requests)...", flush=True)
            section = profile_scenario(scenario, app, bare, data, slack, postmaster, args)
            (args.out / f"{scenario.key}.cpu.md").write_text(section)
            summary.append(section)
            slack.reset()
    finally:
        for server in servers:
            server.stop()
        slack.close()
        drop_database(admin_url, name)
    head = (
        f"### CPU profile (scale {args.scale}: {data.scale.programmes} programmes, "
        f"{data.scale.engagements:,} engagements; {args.requests} requests per scenario)\n"
    )
    text = head + "\n" + "\n".join(summary)
    (args.out / "cpu-summary.md").write_text(text)
    print("\n" + text)
    print(f"(written to {args.out}/cpu-summary.md; perf data and py-spy stacks beside it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
