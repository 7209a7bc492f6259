"""A cold calendar feed: the first fetch after a change to what the feed shows.

The `feed` scenario fetches the same feeds again and again without an ETag:
after the first, each is served from the bytes the app keeps (a repeat
fetch). Here, before each fetch, the programme's admin moves one of its
deadlines (`/consult deadline move`, through Slack like any change, so
whatever way the app learns of changes is exercised) and waits for the
reply; then the feed is fetched once, with no ETag. Only the fetch is
timed and only its CPU counted (server CPU read from /proc just before and
just after it, with nothing else in flight), so a fetch's cost includes
rebuilding the feed. The bare app, whose feed never changes, gets ten
times as many fetches one after another, its CPU read around them all
(run_bare), for the ratio.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from .dataset import Dataset, libpq_url
from .load import BenchSlack, Sample, Server, Signer, http_get, one

SETTLE = 0.05  # after the reply: the worker's own bookkeeping (marking the request done)
BARE_TIMES = 10


def feed_deadlines(data: Dataset) -> list[tuple[object, int]]:
    """(programme, an open deadline of it) for each programme with a feed."""
    import psycopg

    with psycopg.connect(libpq_url(data.url)) as conn:
        first = dict(
            conn.execute(
                "SELECT DISTINCT ON (programme_id) programme_id, id FROM deadline "
                "WHERE state = 'open' ORDER BY programme_id, id"
            ).fetchall()
        )
    return [(p, first[p.id]) for p in data.programmes if p.feed_token and p.id in first]


def run_bare(server: Server, data: Dataset, requests: int) -> Sample:
    """The bare app's fetches, one at a time, with the CPU read once around them all: its feed
    never changes, and a fetch costs it so little (a fraction of a 10 ms clock tick) that
    reading /proc around each one would mostly read nothing. BARE_TIMES as many, for the same
    reason."""
    paths = [f"/calendar/{p.feed_token}.ics" for p in data.programmes if p.feed_token]
    sample = Sample()
    cpu = server.cpu_seconds()
    for i in range(requests * BARE_TIMES):
        started = time.perf_counter()
        status, _headers, body = http_get(server, paths[i % len(paths)])
        _note(sample, status, time.perf_counter() - started, body)
    sample.cpu = server.cpu_seconds() - cpu
    sample.web_cpu = sample.cpu
    return sample


def _note(sample: Sample, status: int, took: float, body: bytes) -> None:
    """One fetch's answer: its time and size, or a failure."""
    if status != 200:
        sample.failures.append(f"HTTP {status}")
        return
    sample.ack.append(took)
    sample.final.append(took)
    sample.bytes += len(body)


def run_cold(
    server: Server, data: Dataset, slack: BenchSlack, signer: Signer, requests: int, start: int = 0
) -> Sample:
    targets = feed_deadlines(data)
    sample = Sample()
    if not targets:
        sample.failures.append("no programme with a feed and an open deadline")
        return sample
    lock = threading.Lock()
    changes = Sample()
    for i in range(start, start + requests):
        p, deadline = targets[i % len(targets)]
        day = date.today() + timedelta(days=40 + i % 2)  # back and forth: a real change each time
        text = f"deadline move {deadline} {day.day}/{day.month}/{day.year}"
        one(
            server,
            slack,
            lambda _i, p=p, text=text: signer.command(
                slack, text, p.team_id, p.channel_id, p.admin
            ),
            i,
            changes,
            lock,
            30.0,
        )
        time.sleep(SETTLE)
        cpu, web = server.cpu_seconds(), server.web_cpu_seconds()
        started = time.perf_counter()
        try:
            status, _headers, body = http_get(server, f"/calendar/{p.feed_token}.ics")
        except OSError as e:
            sample.failures.append(f"{type(e).__name__}: {e}")
            continue
        took = time.perf_counter() - started
        sample.cpu += server.cpu_seconds() - cpu
        sample.web_cpu += server.web_cpu_seconds() - web
        _note(sample, status, took, body)
    if changes.failures:
        sample.failures.append(f"{len(changes.failures)} changes failed: {changes.failures[0]}")
    return sample
