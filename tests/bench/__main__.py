"""`make bench`: Consult at national scale, against a bare Bolt app on the same stack.

    DATABASE_URL_PG=postgresql+psycopg://... python -m tests.bench [--scale 0.01] [--requests 200]

Builds two data sets in PostgreSQL that differ only in the length of the
engagement log (1,000 and 1,000,000 engagements at full scale), explains
the hot queries, starts the app on each (exactly as `app.py serve`) and a
bare Bolt app on the same WSGI server (`--server gunicorn`, `waitress`, or
`gunicorn,waitress` to compare the two in one run), sends every scenario's
signed requests from concurrent clients, and prints p50/p99 to the
acknowledgement and to the final reply, the ratios to the bare app and
between the data sets, and the targets (issue 19's, and the older ones), then
issue 29's: a cold feed, SQLite's burst acks and a nation's day replayed compressed
(tests/bench/nation_day.py; `--only nation-day` runs it alone), and their targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from handlers.wsgi_server import DEFAULT_SERVER, SERVERS

from . import socket_refresh
from .dataset import SMALL_ENGAGEMENTS, Dataset, Scale, build, create_database, drop_database
from .load import (
    BenchSlack,
    Sample,
    Server,
    Signer,
    acks_alone,
    kill_a_worker,
    percentile,
    run,
    start_app,
    start_bare,
)
from .plans import (
    UPLOADS_PER_MINUTE,
    explain_paths,
    personal_digest_sweep,
    render_all_digest_charts,
    render_all_digests,
)
from .scenarios import Scenario, all_scenarios

ACK_LIMIT = 3.0  # Slack's limit for the acknowledgement
BARE_RATIO = 2.0
GROWTH = 1.2
NOT_MODIFIED_CHEAPER = 10.0
TARGETS = ("bare", "small", "large")
# Issue 19's targets, each against the bare Bolt app on the same server (or small -> national).
ACK_X_BARE = 1.5  # ack p99 of every Slack request
COMMAND_CPU_X_BARE = 2.5  # CPU per command, web and worker together (stretch: 2x)
COMMAND_CPU_STRETCH = 2.0
HEAVY_CPU_X_BARE = 6.0  # `digest now` and a full feed
NOT_MODIFIED_X_BARE = 1.5  # a 304
GROWTH_19 = 1.15  # CPU per request, from the small to the national data set
HEAVY = ("digest", "feed")
# Issue 29's targets, each against the bare Bolt app in the same run, national data set.
COMMAND_CPU_29 = 4.0  # CPU per command, web and worker together (stretch: 2.5x)
COMMAND_CPU_29_STRETCH = 2.5
DIGEST_CPU_29 = 8.0  # `digest now`
REPEAT_FEED_29 = 1.5  # a repeat feed fetch (no ETag; served from the kept bytes)
NOT_MODIFIED_29 = 1.5  # a 304
COLD_FEED_29 = 6.0  # the first fetch after a change
GROWTH_29 = 1.15
DAY_COMPRESSION = 24  # the nation's day, compressed this much...
DAY_ACK_P99 = 0.300  # ...with acks under this at p99
SQLITE_ACK_X_BARE = 2.0  # SQLite, bursts of 8: ack p99 against the bare app
EXTRA = ("feedcold", "nation-day", "sqlite-acks")  # measured outside the scenario rounds


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("BENCH_SCALE", "1")),
        help="size of the data set relative to England (default 1; 0.01 for development)",
    )
    p.add_argument(
        "--requests",
        type=int,
        default=int(os.environ.get("BENCH_REQUESTS", "600")),
        help="measured requests per scenario and server (default 600)",
    )
    p.add_argument(
        "--clients",
        type=int,
        default=int(os.environ.get("BENCH_CLIENTS", "50")),
        help="concurrent clients (default 50)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=16,
        help="request threads of each server, Consult's and the bare app's (app.py's default)",
    )
    p.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER", DEFAULT_SERVER),
        help=f"WSGI server under Consult and the bare app: {' or '.join(SERVERS)} (default "
        f"{DEFAULT_SERVER}, as `serve`), or both, comma-separated, to compare them in one run",
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="unmeasured requests before each server's first round",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="split each server's requests into this many interleaved rounds (default 4)",
    )
    p.add_argument(
        "--only",
        default="",
        help="comma-separated scenario keys: "
        + ",".join([s.key for s in all_scenarios()] + list(EXTRA))
        + " (nation-day alone runs only the day's replay)",
    )
    p.add_argument(
        "--day-window",
        default="00:00-24:00",
        help="the part of the nation's day replayed (HH:MM-HH:MM; default the whole day)",
    )
    p.add_argument(
        "--day-search-minutes",
        type=float,
        default=20,
        help="time for the search of the largest compression (0: no search)",
    )
    p.add_argument("--markdown", type=Path, help="also write the results as Markdown to this file")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    p.add_argument(
        "--plans-only", action="store_true", help="build, explain and render digests; no load"
    )
    args = p.parse_args(argv)
    args.servers = [x.strip() for x in args.server.split(",") if x.strip()]
    unknown = [x for x in args.servers if x not in SERVERS]
    if unknown or not args.servers:
        p.error(f"--server: {', '.join(unknown) or 'none given'}; choose from {', '.join(SERVERS)}")
    return args


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    v = seconds * 1000
    return f"{v:,.0f} ms" if v >= 10 else f"{v:.1f} ms"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fx(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def merge(samples: list[Sample]) -> Sample:
    out = Sample()
    for s in samples:
        out.ack += s.ack
        out.final += s.final
        out.failures += s.failures
        out.example = out.example or s.example
        out.bytes += s.bytes
        out.cpu += s.cpu
        out.wall += s.wall
        out.calls += s.calls
        out.web_cpu += s.web_cpu
        out.depth += s.depth
        out.reply_after_ack += s.reply_after_ack
    return out


class Report:
    def __init__(self):
        self.lines: list[str] = []
        self.md: list[str] = []

    def say(self, text: str = "", md: str | None = None):
        print(text, flush=True)
        self.lines.append(text)
        if md is not None:
            self.md.append(md)


def measure(
    scenarios: list[Scenario],
    servers: dict[tuple[str, str], Server],
    data: dict[str, Dataset],
    slack: BenchSlack,
    args,
    report: Report,
) -> dict[str, dict[str, dict[str, Sample]]]:
    """Each scenario on each server, in rounds ordered bare, small, large, then large, small, bare, and so on
    (with two WSGI servers: all six, then back), so that the machine's slow drift (other work on it)
    falls evenly on them all. Returns results[wsgi server][scenario][bare|small|large]."""
    signer = args.signer
    keys = [(stack, t) for stack in args.servers for t in TARGETS]
    results: dict[str, dict[str, dict[str, Sample]]] = {stack: {} for stack in args.servers}
    per_round = max(1, args.requests // args.rounds)
    for sc in scenarios:
        if not sc.available:
            continue
        makers = {}
        try:
            for key in keys:
                t = key[1]
                makers[key] = sc.prepare(
                    servers[key], data["large" if t == "bare" else t], slack, signer
                )
        except Exception as e:
            report.say(f"  {sc.label}: could not prepare ({type(e).__name__}: {e})")
            sc.available, sc.why_not = False, f"could not prepare: {e}"
            continue
        parts: dict[tuple[str, str], list[Sample]] = {key: [] for key in keys}
        started = time.perf_counter()
        order = [key for k in range(args.rounds) for key in (keys if k % 2 == 0 else keys[::-1])]
        sent = {key: 0 for key in keys}
        for key in order:
            warmup = 0 if parts[key] else args.warmup
            parts[key].append(
                run(
                    servers[key],
                    slack,
                    makers[key],
                    per_round,
                    args.clients,
                    warmup=warmup,
                    start=sent[key],
                )
            )
            sent[key] += warmup + per_round
        for stack, t in keys:
            results[stack].setdefault(sc.key, {})[t] = merge(parts[(stack, t)])
        failures = {key: results[key[0]][sc.key][key[1]].failures for key in keys}
        large = results[args.servers[0]][sc.key]["large"]
        calls = ", ".join(
            f"{m} {n / max(1, large.n + len(large.failures)):.1f}"
            for m, n in sorted(large.calls.items())
        )
        failed = {f"{t} ({stack})": len(f) for (stack, t), f in failures.items() if f}
        report.say(
            f"  {sc.label}: done in {time.perf_counter() - started:.0f} s; Slack calls per request: "
            f"{calls or 'none'}; a reply: {large.example or '(HTTP only)'}"
            + (
                ""
                if not failed
                else f"; failures {failed}: " + next(f[0] for f in failures.values() if f)
            )
        )
        slack.reset()
    return results


def crash_run(scenarios, server: Server, data: Dataset, slack, args, report: Report) -> dict | None:
    """kill -9 a worker in the middle of a burst of commands: every acked one answered once."""
    sc = next((s for s in scenarios if s.available and s.kind == "command"), None)
    if sc is None or not server.workers:
        return None
    make = sc.prepare(server, data, slack, args.signer)
    n = max(60, args.requests // 4)
    got = kill_a_worker(server, slack, make, n, args.clients)
    got.update(n=n, label=sc.label)
    report.say("", md="")
    report.say(
        f"kill -9 a worker after a third of {n} `{sc.label}` requests were acked: "
        f"{got['acked']} acked, {got['once']} answered exactly once, "
        f"{got['twice_or_more']} answered more than once, {got['never']} never answered.",
        md=f"**kill -9 a worker** after a third of {n} `{sc.label}` requests were acked, then start "
        f"another: {got['acked']} acked, **{got['once']} answered exactly once**, "
        f"{got['twice_or_more']} answered more than once, {got['never']} never answered.",
    )
    return got


def ack_run(scenarios, servers, data, slack, args, report: Report) -> list[tuple[str, bool, str]]:
    """Acks with the workers paused, as with workers on other machines: the web process's own
    ack against the bare app's, per Slack request scenario. Returns the targets."""
    app, bare = servers[(args.stack, "large")], servers[(args.stack, "bare")]
    if not app.workers:
        return []
    rows, checks = [], []
    for sc in scenarios:
        if not sc.available or sc.kind == "feed":
            continue
        makers = {
            "app": sc.prepare(app, data["large"], slack, args.signer),
            "bare": sc.prepare(bare, data["large"], slack, args.signer),
        }
        got = acks_alone(app, bare, makers, args.requests // 2, args.clients, start=20_000_000)
        slack.reset()
        mine, floor = percentile(got["app"], 99), percentile(got["bare"], 99)
        r = ratio(mine, floor)
        rows.append([sc.label, ms(floor), f"{ms(mine)} ({fx(r)})", str(len(got["app"]))])
        checks.append(
            (
                f"{sc.label}: ack p99 at most {ACK_X_BARE}x the bare app, workers elsewhere",
                (r or 99) <= ACK_X_BARE,
                f"{fx(r)} ({ms(mine)} against {ms(floor)})",
            )
        )
    report.say("", md="")
    title = (
        f"Acks with the workers elsewhere ({args.stack}; the worker paused while `serve` is "
        f"measured, {args.requests // 2} requests per scenario and server, national data set)"
    )
    report.say(title + ":", md=f"**{title}:**\n")
    _table(report, ["scenario", "bare ack p99", "Consult ack p99", "acked"], rows)
    _print_targets(report, "Acks with the workers elsewhere", checks)
    return checks


def load_tables(
    scenarios, results, data, plans, args, report: Report
) -> list[tuple[str, bool, str]]:
    """The measured table, the growth table; returns the targets as (name, met, detail)."""
    large, small = data["large"], data["small"]
    report.say("", md="")
    n = max(1, args.requests // args.rounds) * args.rounds
    title = (
        f"Consult vs a bare Bolt app: {args.clients} concurrent clients, {n} requests per "
        f"scenario and server, {args.threads} threads of {args.stack} (gthread workers)"
        if args.stack == "gunicorn"
        else f"scenario and server, {args.threads} threads of {args.stack}"
    )
    report.say(
        title + " (in brackets: the ratio to the bare app)",
        md=f"**{title}.** In brackets: the ratio to the bare app. Data sets: national = {large.scale.engagements:,} engagements, "
        f"small = {small.scale.engagements:,}; both {large.scale.programmes:,} programmes, "
        f"{large.scale.practices:,} practices, {large.scale.others:,} other stakeholders, "
        f"{large.scale.deadlines:,} deadlines, {large.scale.programmes:,} votes.\n",
    )
    head = (
        "scenario",
        "server",
        "ack p50",
        "ack p99",
        "reply p50",
        "reply p99",
        "app CPU/req",
        "errors",
    )
    rows = []
    for sc in scenarios:
        if not sc.available:
            rows.append((sc.label, "not available", "", "", "", "", "", ""))
            continue
        r = results.get(sc.key)
        if r is None:
            continue
        bare = r["bare"]
        for t in TARGETS:
            s = r[t]
            name = {
                "bare": "bare Bolt",
                "small": f"Consult, {small.scale.engagements:,} eng.",
                "large": f"Consult, {large.scale.engagements:,} eng.",
            }[t]

            def cell(values: list[float], bare_values: list[float], p: int) -> str:
                own = percentile(values, p)
                return (
                    ms(own)
                    if t == "bare"
                    else f"{ms(own)} ({fx(ratio(own, percentile(bare_values, p)))})"
                )

            cpu = s.cpu / s.n if s.n else None
            rows.append(
                (
                    sc.label if t == "bare" else "",
                    name,
                    cell(s.ack, bare.ack, 50),
                    cell(s.ack, bare.ack, 99),
                    cell(s.final, bare.final, 50),
                    cell(s.final, bare.final, 99),
                    ms(cpu)
                    if t == "bare"
                    else f"{ms(cpu)} ({fx(ratio(cpu, bare.cpu / max(1, bare.n)))})",
                    str(len(s.failures)),
                )
            )
    _table(report, head, rows)
    report.say("")
    report.say(
        "Acks and workers on the national data set (serve --no-worker + app.py worker):",
        md="\n**Acks and workers** on the national data set (`serve --no-worker` and one "
        "`app.py worker`; in brackets: the ratio to the bare app):\n",
    )
    queue_rows = []
    for sc in scenarios:
        r = results.get(sc.key)
        if not sc.available or r is None:
            continue
        s, bare = r["large"], r["bare"]
        bare_cpu = bare.cpu / max(1, bare.n)
        queue_rows.append(
            (
                sc.label,
                f"{ms(percentile(s.ack, 99))} ({fx(ratio(percentile(s.ack, 99), percentile(bare.ack, 99)))})",
                ms(percentile(s.reply_after_ack, 50)),
                ms(percentile(s.reply_after_ack, 99)),
                str(max(s.depth, default=0)),
                f"{ms(s.web_cpu / max(1, s.n))} ({fx(ratio(s.web_cpu / max(1, s.n), bare_cpu))})",
                f"{ms(s.cpu / max(1, s.n))} ({fx(ratio(s.cpu / max(1, s.n), bare_cpu))})",
            )
        )
    _table(
        report,
        (
            "scenario",
            "ack p99",
            "ack to reply p50",
            "ack to reply p99",
            "queue depth, max",
            "web CPU/req",
            "web + worker CPU/req",
        ),
        queue_rows,
    )
    for sc in scenarios:
        if not sc.available:
            report.say(
                f"  {sc.label} is not available: {sc.why_not}.",
                md=f"\n_{sc.label}_ is not available: {sc.why_not}.",
            )

    # Growth and the targets.
    checks: list[tuple[str, bool, str]] = []
    by_path = {p.scenario: p for p in plans}
    report.say("")
    report.say(
        "Growth from the small to the national engagement log (p99, national / small):",
        md="\n**Growth** from the small to the national engagement log (p99 national / p99 small):\n",
    )
    grow_rows = []
    for sc in scenarios:
        r = results.get(sc.key)
        if not sc.available or r is None:
            continue
        ga = ratio(percentile(r["large"].ack, 99), percentile(r["small"].ack, 99))
        gf = ratio(percentile(r["large"].final, 99), percentile(r["small"].final, 99))
        gc = ratio(r["large"].cpu / max(1, r["large"].n), r["small"].cpu / max(1, r["small"].n))
        grow_rows.append((sc.label, fx(ga), fx(gf), fx(gc)))
        worst_ack = max((percentile(r[t].ack, 99) or 0) for t in ("small", "large"))
        checks.append(
            (
                f"{sc.label}: ack p99 under {ACK_LIMIT:.0f} s",
                worst_ack < ACK_LIMIT and not r["large"].failures,
                f"{ms(worst_ack)}"
                + (f", {len(r['large'].failures)} failed requests" if r["large"].failures else ""),
            )
        )
        if sc.kind in ("command", "button"):
            bare_ratio = ratio(percentile(r["large"].final, 99), percentile(r["bare"].final, 99))
            ok = (bare_ratio or 99) <= BARE_RATIO
            checks.append(
                (
                    f"{sc.label}: reply p99 within {BARE_RATIO:.0f}x the bare app",
                    ok,
                    fx(bare_ratio) + ("" if ok else "; " + _work_done(r, by_path.get(sc.label))),
                )
            )
        ok = (gf or 99) <= GROWTH and (ga or 99) <= GROWTH
        checks.append(
            (
                f"{sc.label}: p99 grows at most {GROWTH - 1:.0%} from small to national",
                ok,
                f"reply {fx(gf)}, ack {fx(ga)}"
                + ("" if ok else "; " + _growth_cause(gc, by_path.get(sc.label))),
            )
        )
    _table(report, ("scenario", "ack p99", "reply p99", "app CPU/req"), grow_rows)

    if "feed" in results and "feed304" in results:
        full, nm = results["feed"]["large"], results["feed304"]["large"]
        cpu_ratio = ratio(full.cpu / max(1, full.n), nm.cpu / max(1, nm.n))
        lat_ratio = ratio(percentile(full.final, 50), percentile(nm.final, 50))
        bare_floor = percentile(results["feed304"]["bare"].final, 50) or 0
        above = ratio(
            (percentile(full.final, 50) or 0) - bare_floor,
            (percentile(nm.final, 50) or 0) - bare_floor,
        )
        checks.append(
            (
                f"304 feed fetch at least {NOT_MODIFIED_CHEAPER:.0f}x cheaper than a full one (app CPU per request)",
                (cpu_ratio or 0) >= NOT_MODIFIED_CHEAPER,
                f"CPU {fx(cpu_ratio)}; latency p50 {fx(lat_ratio)} ({fx(above)} above the bare server's floor); "
                f"{full.bytes // max(1, full.n):,} bytes vs {nm.bytes // max(1, nm.n):,}",
            )
        )
    elif any(sc.key == "feed" for sc in scenarios):
        checks.append(
            (
                "304 feed fetch at least 10x cheaper than a full one",
                False,
                "calendar feed not available",
            )
        )
    return checks


def summarise(
    scenarios,
    results,
    data,
    plans,
    digest_times,
    args,
    report: Report,
    crash: dict | None = None,
    static: bool = True,
) -> list[tuple[str, bool, str]]:
    large, _small = data["large"], data["small"]
    checks = load_tables(scenarios, results, data, plans, args, report) if results else []
    if not static:  # digests and plans do not depend on the server: shown once
        _print_targets(report, "Targets", checks)
        issue19_targets(scenarios, results, crash, args, report)
        return checks

    seconds, size, why = digest_times.get("large", (None, 0, "not run"))
    small_seconds = digest_times.get("small", (None, 0, ""))[0]
    if seconds is not None:
        line = (
            f"Rendering all {large.scale.programmes} digests: {seconds:.1f} s on the national data set "
            f"({seconds / large.scale.programmes * 1000:.0f} ms each), {small_seconds:.1f} s on the small one "
            f"({fx(ratio(seconds, small_seconds))})."
        )
    else:
        line = f"Rendering all digests: not available ({why})."
    report.say("")
    report.say(line, md="\n" + line + "\n")
    charted = digest_times.get("charts")
    if charted:
        n = charted["digests"]
        line = (
            f"With their charts ({charted['pictures']} PNGs, {charted['bytes'] / 1024:,.0f} KiB): "
            f"{charted['seconds']:.1f} s for all {n} digests, {charted['seconds'] / n * 1000:.0f} ms "
            f"each, of which drawing {charted['drawing'] / n * 1000:.0f} ms. Slack's rate limits "
            f"need at least {charted['slack_needs']:.0f} s to take them (uploads at "
            f"{UPLOADS_PER_MINUTE} a minute, posts a second apart); the sweep's own spacing makes "
            f"it {charted['sweep_pacing']:.0f} s. Rendering is "
            f"{fx(ratio(charted['slack_needs'], charted['seconds']))} faster than Slack can take it."
        )
        report.say(line, md=line + "\n")

    personal = digest_times.get("personal")
    if personal and "error" in personal:
        line = f"Personal digest sweep: failed ({personal['error']})."
        report.say(line, md=line + "\n")
    elif personal:
        n = max(personal["people"], 1)
        line = (
            f"Personal digests, every member of every programme opted in ({personal['people']:,} "
            f"people, daily): the sweeps from 09:00 ({personal['ticks']} a minute apart, at most "
            f"{personal['per_tick']:,} people each) took {personal['sweep']:.1f} s in all, "
            f"{personal['sweep'] / n * 1000:.1f} ms per person (finding the {personal['due']:,} due: "
            f"{personal['finding'] * 1000:.0f} ms in all; composing, rendering and the ledger: the "
            f"rest), sending {personal['dms']:,} DMs (the others had nothing); the next minute's "
            f"sweep, all settled, {personal['settled'] * 1000:.0f} ms "
            f"({personal['settled'] / n * 1000:.2f} ms per person). Slack takes the DMs at the "
            f"sweep's spacing of {personal['spacing'] * 1000:.0f} ms each: "
            f"{personal['dms'] * personal['spacing']:.0f} s."
        )
        report.say(line, md=line + "\n")

    report.say("")
    report.say(
        "Query plans (national data set; EXPLAIN ANALYZE of every SELECT each path runs):",
        md="\n**Query plans** (EXPLAIN ANALYZE of every SELECT each path runs, national data set):\n",
    )
    for path in plans:
        findings = path.findings
        total_ms = sum(s.large_ms or 0 for s in path.statements)
        small_ms = sum(s.small_ms or 0 for s in path.statements)
        head_line = (
            f"- {path.scenario}: {path.round_trips} statements, {len(path.statements)} of them SELECTs, "
            f"{total_ms:.1f} ms executing in PostgreSQL "
            f"({small_ms:.1f} ms on the small data set)"
            + (f"; FAILED: {path.error}" if path.error else "")
            + (
                "; no sequential scan of a big table, nothing grows with the log"
                if not findings
                else ""
            )
        )
        report.say(head_line, md=head_line)
        report.say(f"    (its reply: {path.reply[:100]!r})")
        for s in findings:
            what = []
            if s.seq_scans:
                what.append(", ".join(s.seq_scans))
            if s.grows:
                what.append(
                    f"buffers {s.small_buffers:,} -> {s.large_buffers:,}, "
                    f"{s.small_ms or 0:.1f} -> {s.large_ms or 0:.1f} ms"
                )
            line = f"    {'; '.join(what)}: {s.short()}"
            report.say(line, md=f"  - {'; '.join(what)}: `{s.short()}`")

    if not results:
        return checks
    _print_targets(report, "Targets", checks)
    issue19_targets(scenarios, results, crash, args, report)
    return checks


def _print_targets(report: Report, title: str, checks: list[tuple[str, bool, str]]) -> None:
    report.say("")
    report.say(f"{title}:", md=f"\n**{title}:**\n")
    for name, ok, detail in checks:
        line = f"  [{'met' if ok else 'NOT MET'}] {name}: {detail}"
        report.say(line, md=f"- {'met' if ok else '**not met**'}: {name}: {detail}")


def _cpu_per(s: Sample) -> float | None:
    return s.cpu / s.n if s.n else None


def issue19_targets(
    scenarios, results, crash: dict | None, args, report: Report
) -> list[tuple[str, bool, str]]:
    """Issue 19's targets on the national data set, against the bare app on the same server."""
    checks: list[tuple[str, bool, str]] = []
    acks_to_reply: list[float] = []
    depth: list[int] = []
    for sc in scenarios:
        r = results.get(sc.key)
        if not sc.available or r is None:
            continue
        large, small, bare = r["large"], r["small"], r["bare"]
        cpu_x = ratio(_cpu_per(large), _cpu_per(bare))
        if sc.kind in ("command", "button"):  # a Slack request: acked, then worked on
            ack_x = ratio(percentile(large.ack, 99), percentile(bare.ack, 99))
            checks.append(
                (
                    f"{sc.label}: ack p99 at most {ACK_X_BARE}x the bare app",
                    (ack_x or 99) <= ACK_X_BARE and not large.failures,
                    f"{fx(ack_x)} ({ms(percentile(large.ack, 99))} against "
                    f"{ms(percentile(bare.ack, 99))})",
                )
            )
            acks_to_reply += large.reply_after_ack
            depth += large.depth
        if sc.key in HEAVY:
            checks.append(
                (
                    f"{sc.label}: CPU per request at most {HEAVY_CPU_X_BARE:.0f}x the bare app",
                    (cpu_x or 99) <= HEAVY_CPU_X_BARE,
                    fx(cpu_x),
                )
            )
        elif sc.key == "feed304":
            checks.append(
                (
                    f"{sc.label}: CPU per request at most {NOT_MODIFIED_X_BARE}x the bare app",
                    (cpu_x or 99) <= NOT_MODIFIED_X_BARE,
                    fx(cpu_x),
                )
            )
        elif sc.kind in ("command", "button"):
            checks.append(
                (
                    f"{sc.label}: CPU per request (web and worker) at most "
                    f"{COMMAND_CPU_X_BARE}x the bare app",
                    (cpu_x or 99) <= COMMAND_CPU_X_BARE,
                    fx(cpu_x)
                    + (
                        f" (stretch {COMMAND_CPU_STRETCH:.0f}x: "
                        f"{'met' if (cpu_x or 99) <= COMMAND_CPU_STRETCH else 'not met'})"
                    ),
                )
            )
        growth = ratio(_cpu_per(large), _cpu_per(small))
        reply_growth = ratio(percentile(large.final, 99), percentile(small.final, 99))
        checks.append(
            (
                f"{sc.label}: CPU per request grows at most {GROWTH_19}x from small to national",
                (growth or 99) <= GROWTH_19,
                f"{fx(growth)} (reply p99 {fx(reply_growth)})",
            )
        )
    if crash is not None:
        ok = crash["never"] == 0 and crash["twice_or_more"] == 0 and crash["acked"] > 0
        checks.append(
            (
                f"kill -9 a worker mid-burst: every acked `{crash['label']}` answered exactly once",
                ok,
                f"{crash['once']} of {crash['acked']} acked answered once, "
                f"{crash['twice_or_more']} more than once, {crash['never']} never",
            )
        )
    _print_targets(report, f"Issue 19's targets ({args.stack}, national data set)", checks)
    line = (
        f"Ack to reply over the Slack requests: p50 {ms(percentile(acks_to_reply, 50))}, "
        f"p99 {ms(percentile(acks_to_reply, 99))}; queue depth over the run: max "
        f"{max(depth, default=0)}, mean {sum(depth) / max(1, len(depth)):.1f}."
    )
    report.say("  " + line, md="\n" + line)
    return checks


def cold_feed_run(servers, data, slack, args, report: Report) -> dict[str, Sample] | None:
    """The first fetch after a change, on the national data set and on the bare app."""
    from .cold_feed import BARE_TIMES, run_bare, run_cold

    n = max(20, args.requests // 4)
    got = {
        "large": run_cold(
            servers[(args.stack, "large")], data["large"], slack, args.signer, n, 30_000_000
        ),
        "bare": run_bare(servers[(args.stack, "bare")], data["large"], n),
    }
    slack.reset()
    large, bare = got["large"], got["bare"]
    r = ratio(_cpu_per(large), _cpu_per(bare))
    line = (
        f"Cold calendar feed (the first fetch after a deadline moved; {n} fetches, one at a "
        f"time; the bare app {n * BARE_TIMES} fetches): CPU per fetch {ms(_cpu_per(large))} against the bare app's "
        f"{ms(_cpu_per(bare))} ({fx(r)}); p99 {ms(percentile(large.final, 99))} against "
        f"{ms(percentile(bare.final, 99))}"
        + (f"; failures: {large.failures[0]}" if large.failures else "")
        + "."
    )
    report.say("", md="")
    report.say(line, md=line)
    return got


def sqlite_acks(args, report: Report) -> dict | None:
    """SQLite with bursts of 8: tests/bench/sqlite_acks.py's measure(), when it is there."""
    try:
        from . import sqlite_acks as module
    except ImportError:
        report.say("SQLite acks, bursts of 8: not measured (no tests/bench/sqlite_acks.py)")
        return None
    import inspect

    offered = {"scale": args.scale, "requests": args.requests, "server": args.stack}
    try:
        accepts = inspect.signature(module.measure).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in accepts.values())
        got = module.measure(**{k: v for k, v in offered.items() if takes_any or k in accepts})
    except Exception as e:  # another engineer's measurement must not sink the run
        report.say(f"SQLite acks, bursts of 8: failed ({type(e).__name__}: {e})")
        return None
    got = worst_sqlite_kind(got)
    report.say(
        f"SQLite acks, bursts of 8: the worst command, {got['kind']}: ack p99 "
        f"{ms(got['ack_p99_ms'] / 1000)} against the bare app's {ms(got['bare_ack_p99_ms'] / 1000)}"
        f"; failures {got['failures']}"
    )
    return got


def worst_sqlite_kind(measured: dict) -> dict:
    """The command kind whose ack p99 is furthest above the bare app's (sqlite_acks.measure()
    reports each kind), with its failures: what the target is judged on."""
    rows = measured.get("kinds") or {}
    if not rows:
        return {"kind": "none", "ack_p99_ms": 0.0, "bare_ack_p99_ms": 0.0, "failures": 1}

    def over_bare(kind: str) -> float:
        row = rows[kind]
        return row["app"]["p99_ms"] / max(row["bare"]["p99_ms"], 1e-9)

    kind = max(rows, key=over_bare)
    return {
        "kind": kind,
        "ack_p99_ms": rows[kind]["app"]["p99_ms"],
        "bare_ack_p99_ms": rows[kind]["bare"]["p99_ms"],
        "failures": sum(r["app"]["failures"] for r in rows.values()),
    }


def issue29_targets(
    scenarios,
    results,
    crash: dict | None,
    cold: dict[str, Sample] | None,
    day: dict | None,
    sqlite: dict | None,
    args,
    report: Report,
    only_day: bool = False,
) -> list[tuple[str, bool, str]]:
    """Issue 29's targets: CPU against the bare Bolt app in the same run, national data set
    (with only_day, the nation's day alone)."""
    checks: list[tuple[str, bool, str]] = []
    not_measured = "not measured in this run"

    def cpu_x(key: str, t: str = "large") -> float | None:
        r = (results or {}).get(key)
        return None if r is None else ratio(_cpu_per(r[t]), _cpu_per(r["bare"]))

    for sc in scenarios:
        r = (results or {}).get(sc.key)
        if not sc.available or r is None:
            continue
        x = cpu_x(sc.key)
        if sc.key == "digest":
            checks.append(
                (
                    f"{sc.label}: CPU per request (web and worker) at most {DIGEST_CPU_29:.0f}x the bare app",
                    (x or 99) <= DIGEST_CPU_29,
                    fx(x),
                )
            )
        elif sc.kind in ("command", "button"):
            checks.append(
                (
                    f"{sc.label}: CPU per request (web and worker) at most {COMMAND_CPU_29:.0f}x "
                    "the bare app",
                    (x or 99) <= COMMAND_CPU_29,
                    fx(x)
                    + f" (stretch {COMMAND_CPU_29_STRETCH}x: "
                    + ("met)" if (x or 99) <= COMMAND_CPU_29_STRETCH else "not met)"),
                )
            )
        elif sc.key == "feed":
            checks.append(
                (
                    f"a repeat feed fetch (no ETag, kept bytes): CPU at most {REPEAT_FEED_29}x the bare app",
                    (x or 99) <= REPEAT_FEED_29,
                    fx(x),
                )
            )
        elif sc.key == "feed304":
            checks.append(
                (
                    f"a 304: CPU at most {NOT_MODIFIED_29}x the bare app",
                    (x or 99) <= NOT_MODIFIED_29,
                    fx(x),
                )
            )
        g = ratio(_cpu_per(r["large"]), _cpu_per(r["small"]))
        checks.append(
            (
                f"{sc.label}: CPU per request grows at most {GROWTH_29}x from small to national",
                (g or 99) <= GROWTH_29,
                fx(g),
            )
        )
    if cold is not None:
        x = ratio(_cpu_per(cold["large"]), _cpu_per(cold["bare"]))
        checks.append(
            (
                f"a cold feed (first fetch after a change): CPU at most {COLD_FEED_29:.0f}x the bare app",
                (x or 99) <= COLD_FEED_29 and not cold["large"].failures,
                fx(x)
                + (f"; {len(cold['large'].failures)} failures" if cold["large"].failures else ""),
            )
        )
    else:
        checks.append(
            (f"a cold feed: CPU at most {COLD_FEED_29:.0f}x the bare app", False, not_measured)
        )
    if crash is not None:
        ok = crash["never"] == 0 and crash["twice_or_more"] == 0 and crash["acked"] > 0
        checks.append(
            (
                "every acked request answered exactly once across kill -9 of a worker",
                ok,
                f"{crash['once']} of {crash['acked']} once, {crash['twice_or_more']} more than "
                f"once, {crash['never']} never",
            )
        )
    else:
        checks.append(
            ("every acked request answered exactly once across kill -9", False, not_measured)
        )
    if day is not None:
        p99 = day.get("ack_p99")
        checks.append(
            (
                f"a nation's day at {DAY_COMPRESSION}x compression: ack p99 under "
                f"{DAY_ACK_P99 * 1000:.0f} ms",
                day.get("compression") == DAY_COMPRESSION
                and day.get("window") == "00:00-24:00"
                and day.get("scale") == 1
                and bool(day.get("met")),
                f"{ms(p99)} at {day.get('compression'):g}x, scale {day.get('scale')}, "
                f"{day.get('window')}"
                + (
                    f"; largest compression met {day['best']:g}x "
                    f"({day['days_per_day']:.2f} national days a day)"
                    if day.get("best")
                    else ""
                )
                + ("" if day.get("scale") == 1 else " (counts only at scale 1)"),
            )
        )
    else:
        checks.append(
            (
                f"a nation's day at {DAY_COMPRESSION}x compression: ack p99 under 300 ms",
                False,
                not_measured,
            )
        )
    if only_day:
        checks = [c for c in checks if "nation's day" in c[0]]
    elif sqlite is not None:
        x = ratio(sqlite["ack_p99_ms"], sqlite["bare_ack_p99_ms"])
        checks.append(
            (
                f"SQLite, bursts of 8: ack p99 at most {SQLITE_ACK_X_BARE:.0f}x the bare app",
                (x or 99) <= SQLITE_ACK_X_BARE and not sqlite["failures"],
                f"{fx(x)} for the worst command, {sqlite['kind']} ({sqlite['ack_p99_ms']:.0f} ms "
                f"against {sqlite['bare_ack_p99_ms']:.0f} ms; failures {sqlite['failures']})",
            )
        )
    else:
        checks.append(
            (
                f"SQLite, bursts of 8: ack p99 at most {SQLITE_ACK_X_BARE:.0f}x the bare app",
                False,
                "not measured",
            )
        )
    _print_targets(report, f"Issue 29's targets ({args.stack}, national data set)", checks)
    return checks


def compare_servers(scenarios, by_server: dict[str, dict], report: Report) -> None:
    """The same scenarios on two WSGI servers: each against its own bare app, then one against
    the other (Consult with Consult, bare with bare)."""
    a, b = list(by_server)[:2]
    report.say("")
    report.say(
        f"WSGI servers compared, national data set ({a} / {b}; ratios to the bare app on the same server):",
        md=f"\n**WSGI servers compared** on the national data set: each against the bare Bolt app on "
        f"the same server, then {a} / {b}:\n",
    )
    rows = []
    for sc in scenarios:
        ra, rb = by_server[a].get(sc.key), by_server[b].get(sc.key)
        if not sc.available or ra is None or rb is None:
            continue

        def ack(r, t):
            return percentile(r[t].ack, 99)

        rows.append(
            (
                sc.label,
                fx(ratio(ack(ra, "large"), ack(ra, "bare"))),
                fx(ratio(ack(rb, "large"), ack(rb, "bare"))),
                fx(ratio(_cpu_per(ra["large"]), _cpu_per(ra["bare"]))),
                fx(ratio(_cpu_per(rb["large"]), _cpu_per(rb["bare"]))),
                fx(ratio(ack(ra, "large"), ack(rb, "large"))),
                fx(ratio(_cpu_per(ra["large"]), _cpu_per(rb["large"]))),
                fx(ratio(ack(ra, "bare"), ack(rb, "bare"))),
                fx(ratio(_cpu_per(ra["bare"]), _cpu_per(rb["bare"]))),
            )
        )
    _table(
        report,
        (
            "scenario",
            f"ack p99 x bare, {a}",
            f"ack p99 x bare, {b}",
            f"CPU x bare, {a}",
            f"CPU x bare, {b}",
            f"Consult ack p99 {a}/{b}",
            f"Consult CPU {a}/{b}",
            f"bare ack p99 {a}/{b}",
            f"bare CPU {a}/{b}",
        ),
        rows,
    )


def _work_done(r: dict[str, Sample], path) -> str:
    """Why a path costs more than the bare app: its own CPU and its database work."""
    app_cpu = r["large"].cpu / max(1, r["large"].n)
    bare_cpu = r["bare"].cpu / max(1, r["bare"].n)
    text = f"the app spends {ms(app_cpu)} of CPU per request against the bare app's {ms(bare_cpu)}"
    if path is not None:
        text += (
            f", and sends {path.round_trips} statements to PostgreSQL, one round trip each "
            f"({sum(s.large_ms or 0 for s in path.statements):.1f} ms of execution inside PostgreSQL)"
        )
    return text


def _growth_cause(cpu_growth: float | None, path) -> str:
    """A query that reads more as the log grows is a cause; without one, the gap is noise on a shared machine."""
    grows = [s for s in (path.findings if path else [])]
    if grows:
        worst = max(grows, key=lambda s: (s.large_ms or 0) - (s.small_ms or 0))
        return (
            f"{len(grows)} of its queries read more as the log grows, the worst "
            f"{worst.small_ms or 0:.1f} -> {worst.large_ms or 0:.1f} ms: {worst.short(70)}"
        )
    if cpu_growth is not None and cpu_growth > GROWTH:
        return (
            f"no query of this path reads more on the larger data set, but its CPU per request grew "
            f"{fx(cpu_growth)}: it does more work in Python per engagement"
        )
    return (
        f"no query of this path reads more on the larger data set and its CPU per request changed "
        f"{fx(cpu_growth)}: the gap is most likely other work on the machine during the run, not the data"
    )


def _table(report: Report, head, rows) -> None:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    fmt = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    report.say(fmt(head))
    report.say("  ".join("-" * w for w in widths))
    for r in rows:
        report.say(fmt(r))
    report.md.append("| " + " | ".join(head) + " |")
    report.md.append("|" + "---|" * len(head))
    for r in rows:
        report.md.append("| " + " | ".join(str(c) for c in r) + " |")


def nation_day(admin_url: str, args, report: Report) -> dict | None:
    """The day's replay (tests/bench/nation_day.py) at DAY_COMPRESSION, on its own data set."""
    from .nation_day import run_nation_day

    report.say("", md="")
    try:
        return run_nation_day(
            admin_url,
            args.scale,
            DAY_COMPRESSION,
            args.day_window,
            args.day_search_minutes > 0,
            search_minutes=args.day_search_minutes,
            threads=args.threads,
            say=lambda line: report.say(line, md=line + "  "),
        )
    except Exception as e:
        report.say(f"A nation's day: failed ({type(e).__name__}: {e})")
        return None


def main(argv=None) -> int:
    args = parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL_PG")
    if not admin_url:
        print(
            "Set DATABASE_URL_PG to a PostgreSQL server (make bench starts a throwaway one).",
            file=sys.stderr,
        )
        return 2
    report = Report()
    wanted = {k.strip() for k in args.only.split(",") if k.strip()}
    scenarios = [s for s in all_scenarios() if not wanted or s.key in wanted]
    do_cold, do_day, do_sqlite = (not wanted or k in wanted for k in EXTRA)
    began = time.perf_counter()
    args.stack = args.servers[0]
    if wanted == {"nation-day"}:  # the day's replay alone: its own data set and servers
        day = nation_day(admin_url, args, report)
        issue29_targets([], {}, None, None, day, None, args, report, only_day=True)
        report.say(f"\nWhole run: {(time.perf_counter() - began) / 60:.1f} minutes.")
        if args.markdown:
            args.markdown.write_text("\n".join(report.md) + "\n")
        return 0
    scale = Scale.national(args.scale)
    names = {t: f"consult_bench_{os.getpid()}_{t}" for t in ("small", "large")}
    servers: dict[tuple[str, str], Server] = {}
    slack = None
    try:
        data: dict[str, Dataset] = {}
        for t, n in (
            ("small", max(1, round(SMALL_ENGAGEMENTS * min(1.0, args.scale * 10)))),
            ("large", scale.engagements),
        ):
            report.say(f"Building the {t} data set ({n:,} engagements)...")
            url = create_database(admin_url, names[t])
            data[t] = build(url, scale.with_engagements(n), log=report.say)
            report.say(f"  built in {data[t].seconds:.0f} s")

        report.say("Available: " + ", ".join(s.label for s in scenarios if s.available))
        for s in scenarios:
            if not s.available:
                report.say(f"Not available: {s.label} ({s.why_not})")

        report.say("Explaining the hot queries...")
        plans = explain_paths(data["small"], data["large"], scenarios, log=report.say)
        report.say("Rendering every digest...")
        digest_times = {t: render_all_digests(data[t]) for t in ("small", "large")}
        report.say("Rendering every digest with its charts...")
        digest_times["charts"] = render_all_digest_charts(data["large"])
        report.say("Sweeping every member's personal digest...")
        digest_times["personal"] = personal_digest_sweep(data["large"])

        args.stack = args.servers[0]
        if args.plans_only:
            summarise(scenarios, {}, data, plans, digest_times, args, report)
            return 0
        log_dir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
        slack = BenchSlack()
        # One numbering for the whole run: a request repeated on the second server would be the
        # same Slack id in the same database, acknowledged and dropped as a second delivery.
        args.signer = Signer()
        report.say(f"Starting the servers on {' and '.join(args.servers)} (logs in {log_dir})...")
        for stack in args.servers:
            servers[(stack, "bare")] = start_bare(slack, args.threads, log_dir, stack)
            for t in ("small", "large"):
                servers[(stack, t)] = start_app(
                    f"{t}-{stack}", data[t].url, slack, args.threads, log_dir, wsgi_server=stack
                )
        report.say(
            f"Measuring ({args.requests} requests per scenario and server, {args.clients} clients)..."
        )
        by_server = measure(scenarios, servers, data, slack, args, report)
        crashes = {}
        for n, stack in enumerate(args.servers):
            args.stack = stack
            report.say("", md=f"\n### {stack}\n")
            crash = crashes[stack] = crash_run(
                scenarios, servers[(stack, "large")], data["large"], slack, args, report
            )
            ack_run(scenarios, servers, data, slack, args, report)
            summarise(
                scenarios,
                by_server[stack],
                data,
                plans,
                digest_times,
                args,
                report,
                crash,
                static=n == 0,
            )
        if len(by_server) > 1:
            compare_servers(scenarios, by_server, report)
        report.say()
        socket_refresh.run(say=report.say)
        # Issue 29: the cold feed, SQLite's acks and the nation's day, then its targets.
        args.stack = args.servers[0]
        cold = None
        feed_ok = any(s.key == "feed" and s.available for s in all_scenarios())
        if do_cold and feed_ok:
            cold = cold_feed_run(servers, data, slack, args, report)
        for server in servers.values():  # the day and SQLite have the machine to themselves
            server.stop()
        servers.clear()
        sqlite = sqlite_acks(args, report) if do_sqlite else None
        day = nation_day(admin_url, args, report) if do_day else None
        issue29_targets(
            scenarios,
            by_server[args.stack],
            crashes.get(args.stack),
            cold,
            day,
            sqlite,
            args,
            report,
        )
        elapsed = time.perf_counter() - began
        report.say(f"\nWhole run: {elapsed / 60:.1f} minutes.")
        if args.markdown:
            args.markdown.write_text("\n".join(report.md) + "\n")
            print(f"Markdown written to {args.markdown}")
        return 0  # the targets are reported, not enforced: a gap is a finding, not a broken build
    finally:
        for server in servers.values():
            server.stop()
        if slack is not None:
            slack.close()
        if not args.keep:
            for name in names.values():
                drop_database(admin_url, name)


if __name__ == "__main__":
    sys.exit(main())
