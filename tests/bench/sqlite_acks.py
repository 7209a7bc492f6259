"""Acks on the embedded default: `serve` alone on SQLite (its worker threads in the same process),
under bursts of simultaneous /consult commands, beside a bare Bolt app on the same server.

    python -m tests.bench.sqlite_acks [--per-kind 200] [--burst 8]

`measure()` returns the numbers (ack p50/p99 in ms per command kind, for the app and the bare
app, and their ratio); the __main__ prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.load import (
    BenchSlack,
    Signer,
    percentile,
    run,
    start_app,
    start_bare,
)

PRACTICES = 300
ENGAGEMENTS = 3_000
PROGRAMMES = 10
TEAM = "TB1"


def _programme(p: int) -> tuple[str, str]:
    return f"CB{p:03d}", f"UA{p:03d}"  # channel, admin


def _code(n: int) -> str:
    return f"Y{n:05d}"


def build_sqlite(url: str, log=print) -> None:
    """National-ish data through Consult's own commands, in this process: PROGRAMMES programmes,
    PRACTICES practices spread over them, ENGAGEMENTS engagements logged against them."""
    from app import bootstrap
    from bot.context import Actor
    from bot.settings import Settings
    from handlers.commands import CommandRequest, dispatch
    from tests.bench.plans import RecordingMessenger

    started = time.perf_counter()
    services = bootstrap(Settings(database_url=url))

    def command(p: int, text: str) -> None:
        channel, admin = _programme(p)
        out = RecordingMessenger()
        dispatch(
            CommandRequest(
                actor=Actor(TEAM, admin, False),
                channel_id=channel,
                text=text,
                services=services,
                out=out,
                trigger_id="trig-build",
            )
        )

    per = PRACTICES // PROGRAMMES
    for p in range(1, PROGRAMMES + 1):
        command(p, f'setup "CCG {p:03d} co-commissioning"')
        for k in range(per):
            n = (p - 1) * per + k + 1
            command(p, f'stakeholder add practice "Practice {n:05d} Surgery" --code {_code(n)}')
    for e in range(ENGAGEMENTS):
        p = e % PROGRAMMES + 1
        n = (p - 1) * per + (e // PROGRAMMES) % per + 1
        command(p, f'engage {_code(n)} meeting "Visit {e}"')
    services.engine.dispose()
    log(
        f"  {PROGRAMMES} programmes, {PRACTICES} practices, {ENGAGEMENTS:,} engagements "
        f"in {time.perf_counter() - started:.0f} s"
    )


def _kinds(slack, signer: Signer) -> dict:
    """Two kinds of command: one that reads (coverage) and one that writes (engage)."""
    per = PRACTICES // PROGRAMMES

    def coverage(i: int):
        p = i % PROGRAMMES + 1
        channel, admin = _programme(p)
        return signer.command(slack, "coverage", TEAM, channel, admin)

    def engage(i: int):
        p = i % PROGRAMMES + 1
        channel, admin = _programme(p)
        code = _code((p - 1) * per + i % per + 1)
        return signer.command(slack, f'engage {code} meeting "Burst {i}"', TEAM, channel, admin)

    return {"coverage": coverage, "engage": engage}


def measure(
    per_kind: int = 200,
    burst: int = 8,
    threads: int = 16,
    workdir: Path | None = None,
    log=print,
) -> dict:
    """Ack p50/p99 (ms) per command kind for `serve` on SQLite and for the bare Bolt app, each
    under `burst` simultaneous signed requests, `per_kind` of each kind."""
    folder = Path(workdir or tempfile.mkdtemp(prefix="sqlite-acks-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'consult.db'}"
    log("building the data set on SQLite")
    build_sqlite(url, log=log)
    slack = BenchSlack()
    signer = Signer()
    app = start_app("sqlite-serve", url, slack, threads, folder, workers=0)
    bare = start_bare(slack, threads, folder)
    results: dict = {"burst": burst, "per_kind": per_kind, "kinds": {}}
    try:
        start = 0
        for kind, make in _kinds(slack, signer).items():
            row = {}
            for name, server in (("bare", bare), ("app", app)):
                sample = run(server, slack, make, per_kind, burst, warmup=burst * 2, start=start)
                row[name] = {
                    "p50_ms": round(1000 * (percentile(sample.ack, 50) or 0), 1),
                    "p99_ms": round(1000 * (percentile(sample.ack, 99) or 0), 1),
                    "final_p99_ms": round(1000 * (percentile(sample.final, 99) or 0), 1),
                    "failures": len(sample.failures),
                    "example_failure": sample.failures[0] if sample.failures else None,
                }
            start += per_kind + burst * 2
            row["ack_p99_ratio"] = (
                round(row["app"]["p99_ms"] / row["bare"]["p99_ms"], 2)
                if row["bare"]["p99_ms"]
                else None
            )
            results["kinds"][kind] = row
            log(
                f"  {kind}: ack p99 app {row['app']['p99_ms']} ms, bare {row['bare']['p99_ms']} ms "
                f"(x{row['ack_p99_ratio']}); failures {row['app']['failures']}"
            )
    finally:
        app.stop()
        bare.stop()
        slack.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--burst", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    progress = lambda line: print(line, file=sys.stderr)  # noqa: E731 (stdout is the JSON)
    print(
        json.dumps(measure(args.per_kind, args.burst, workdir=args.workdir, log=progress), indent=2)
    )


if __name__ == "__main__":
    main()
