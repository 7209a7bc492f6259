"""The load: signed Slack requests from concurrent clients, timed to the ack and to the reply.

A request's acknowledgement is the HTTP 200 that Slack waits for (3 s at
most); its final reply is the POST the app makes to the request's
response_url, which the Slack stand-in timestamps on arrival. Servers run
as separate processes (the app exactly as `python app.py serve` runs), so
their CPU time per request can be read from /proc and the load generator's
own threads do not share their interpreter.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from handlers.wsgi_server import DEFAULT_SERVER
from tests.slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"
# Replies that mean the request went wrong: a benchmark of error paths would flatter the app.
ERROR_MARKS = (
    "Sorry, something went wrong",
    "is not a Consult command",
    "no programme yet",
    "Usage:",
    "can't reach its database",
    "Only the programme's",
    "Only a returning officer",
    "We apologize, but for some unknown reason",
)  # Bolt's own "installation not found"


# -- the Slack stand-in, timing each response_url ---------------------------------
@dataclass
class Slot:
    event: threading.Event = field(default_factory=threading.Event)
    at: float | None = None
    body: dict | None = None


class BenchSlack(SlackStub):
    """The tests' Slack stand-in, noting when each response_url receives its reply."""

    def __init__(self):
        super().__init__()
        # The stand-in listens with socketserver's backlog of 5; fifty clients' replies
        # would overflow it and wait a second for the SYN retry, timing the kernel, not the app.
        self.server.socket.listen(256)
        self._slots: dict[str, Slot] = {}
        self._slots_lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # Web API calls by method, over the whole run
        self.replies: Counter[str] = Counter()  # response_url posts by name

    def expect(self, name: str) -> Slot:
        slot = Slot()
        with self._slots_lock:
            self._slots[name] = slot
        return slot

    def forget(self, name: str) -> None:
        with self._slots_lock:
            self._slots.pop(name, None)

    def _answer(self, method, body, path):
        at = time.perf_counter()
        answer = super()._answer(method, body, path)
        with self._slots_lock:
            self.counts[method] += 1
        if method == "response":
            with self._slots_lock:
                self.replies[path.rsplit("/", 1)[-1]] += 1
                slot = self._slots.get(path.rsplit("/", 1)[-1])
            if slot is not None and slot.at is None:
                slot.at, slot.body = at, body
                slot.event.set()
        with self._lock:  # keep memory flat over tens of thousands of requests
            if len(self.calls) > 2_000:
                del self.calls[:1_000]
                getattr(self, "history", {}).clear()
        return answer


# -- servers under test --------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


class Server:
    """A server process on loopback: the app (`app.py serve`) or the bare Bolt app, with the
    app's worker processes (`app.py worker`) beside it when it queues its work."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_dir: Path):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_dir / f"{name}.log"
        self.log_dir = log_dir
        self._log = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
        full_env.update(env)
        self.env = full_env
        self.database_url = env.get("DATABASE_URL")
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.workers: list[subprocess.Popen] = []
        self._started_workers = 0
        self._worker_cpu_gone = 0.0  # CPU of workers killed during the run
        self._wait_healthy()

    def start_worker(self, concurrency: int = 8) -> subprocess.Popen:
        self._started_workers += 1  # a worker started after a kill gets a log of its own
        log = open(self.log_dir / f"{self.name}-worker{self._started_workers}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "app.py", "worker", "--concurrency", str(concurrency)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def queue_depth(self) -> int | None:
        """Acknowledged requests not yet done (None for a server without a queue)."""
        if not self.workers or not self.database_url:
            return None
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(False)) as conn:
            return conn.execute(
                "SELECT count(*) FROM slack_request WHERE state <> 'done'"
            ).fetchone()[0]

    def _wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process and its live workers so far (with their
        children: gunicorn's web processes are children of its master)."""
        return sum(_tree_cpu(p.pid) for p in [self.proc, *self.workers] if p.poll() is None)

    def web_cpu_seconds(self) -> float:
        return _tree_cpu(self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for w in self.workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in self.workers:
            try:
                w.wait(15)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _cpu(pid: int) -> float:
    fields = _stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


def _tree_cpu(pid: int) -> float:
    """CPU of a process and its live descendants (fields[1] of /proc/<pid>/stat is the parent)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += _cpu(p)
        todo.extend(children.get(p, []))
    return total


def start_app(
    name: str,
    database_url: str,
    slack: SlackStub,
    threads: int,
    log_dir: Path,
    workers: int = 1,
    wsgi_server: str = DEFAULT_SERVER,
) -> Server:
    """`serve --no-scheduler --no-worker` in front and `workers` × `app.py worker` behind it
    (with workers=0, `serve` runs its worker in-process), on the given WSGI server."""
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,  # no other SLACK_* variable: Bolt reads some itself, even when empty
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = Server(
        name,
        [
            sys.executable,
            "app.py",
            "serve",
            "--no-scheduler",
            *(["--no-worker"] if workers else []),
            "--host",
            "127.0.0.1",
            "--threads",
            str(threads),
            "--server",
            wsgi_server,
        ],
        env,
        port,
        log_dir,
    )
    for _ in range(workers):
        server.start_worker()
    return server


def start_bare(
    slack: SlackStub, threads: int, log_dir: Path, wsgi_server: str = DEFAULT_SERVER
) -> Server:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    return Server(
        f"bare-{wsgi_server}",
        [
            sys.executable,
            "-m",
            "tests.bench.bare_app",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--server",
            wsgi_server,
        ],
        env,
        port,
        log_dir,
    )


# -- requests -------------------------------------------------------------------
@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    reply_name: str | None = None  # the response_url name whose POST is the final reply
    expect_status: int = 200


class Signer:
    def __init__(self, secret: str = SIGNING_SECRET):
        self.verifier = SignatureVerifier(secret)
        self._n = 0
        self._lock = threading.Lock()

    def next_name(self, prefix: str) -> str:
        with self._lock:
            self._n += 1
            return f"{prefix}{self._n}"

    def signed(self, body: str, content_type: str, reply_name: str | None) -> Request:
        ts = str(int(time.time()))
        return Request(
            "POST",
            "/slack/events",
            body.encode(),
            {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body),
            },
            reply_name,
        )

    def command(self, slack: SlackStub, text: str, team: str, channel: str, user: str) -> Request:
        name = self.next_name("c")
        body = urlencode(
            {
                "token": "unused",
                "team_id": team,
                "team_domain": "bench",
                "channel_id": channel,
                "channel_name": "consult",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/consult",
                "text": text,
                "api_app_id": "A1",
                "response_url": slack.response_url(name),
                "trigger_id": f"trig-{name}",
            }
        )
        return self.signed(body, "application/x-www-form-urlencoded", name)

    def interaction(self, slack: SlackStub, payload: dict) -> Request:
        """A block_actions (or other interactive) payload; its response_url is set here."""
        name = self.next_name("a")
        payload = dict(payload, response_url=slack.response_url(name), trigger_id=f"trig-{name}")
        return self.signed(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", name
        )


def http_get(server: Server, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# -- running a scenario -------------------------------------------------------
@dataclass
class Sample:
    ack: list[float] = field(default_factory=list)
    final: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    example: str = ""  # one final reply, to show what was measured
    bytes: int = 0
    cpu: float = 0.0  # server CPU seconds over the measured requests
    wall: float = 0.0
    calls: Counter = field(
        default_factory=Counter
    )  # Slack Web API calls the server made, by method
    web_cpu: float = 0.0  # of that, the web process's (the rest is its workers')
    depth: list[int] = field(default_factory=list)  # the queue's depth, sampled over the run
    reply_after_ack: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ack)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p99 of 200 samples is the second largest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _send(server: Server, req: Request, timeout: float) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request(req.method, req.path, body=req.body, headers=req.headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, started
    finally:
        conn.close()


def one(
    server: Server,
    slack: BenchSlack,
    make: Callable[[int], Request],
    i: int,
    sample: Sample,
    lock: threading.Lock,
    reply_timeout: float,
) -> None:
    req = make(i)
    slot = slack.expect(req.reply_name) if req.reply_name else None
    try:
        status, data, started = _send(server, req, timeout=30)
        acked = time.perf_counter()
        problem = None
        final = None
        if status != req.expect_status:
            problem = f"HTTP {status}: {data[:120]!r}"
        elif slot is not None:
            if not slot.event.wait(reply_timeout):
                problem = f"no reply within {reply_timeout:.0f} s"
            else:
                final = slot.at - started
                text = str((slot.body or {}).get("text", ""))
                if not sample.example:
                    sample.example = text[:100].replace("\n", " ")
                if any(mark in text for mark in ERROR_MARKS):
                    problem = "error reply: " + text[:160].replace("\n", " ")
        else:
            final = acked - started
    except OSError as e:
        problem = f"{type(e).__name__}: {e}"
    finally:
        if req.reply_name:
            slack.forget(req.reply_name)
    with lock:
        if problem:
            sample.failures.append(problem)
        else:
            sample.ack.append(acked - started)
            sample.final.append(final)
            sample.reply_after_ack.append(max(0.0, final - (acked - started)))
            sample.bytes += len(data)


def run(
    server: Server,
    slack: BenchSlack,
    make: Callable[[int], Request],
    requests: int,
    clients: int,
    warmup: int = 0,
    reply_timeout: float = 30.0,
    start: int = 0,
) -> Sample:
    """`requests` requests from `clients` concurrent clients (after `warmup` unmeasured ones).

    Requests are numbered from `start`, so that later rounds reach other programmes, practices and voters.
    """
    lock = threading.Lock()
    if warmup:
        scratch = Sample()
        with ThreadPoolExecutor(min(clients, warmup)) as pool:
            list(
                pool.map(
                    lambda i: one(server, slack, make, start + i, scratch, lock, reply_timeout),
                    range(warmup),
                )
            )
    sample = Sample()
    calls_before = Counter(slack.counts)
    cpu_before, web_before = server.cpu_seconds(), server.web_cpu_seconds()
    started = time.perf_counter()
    running = threading.Event()
    running.set()

    def watch_depth():
        while running.is_set():
            depth = server.queue_depth()
            if depth is None:
                return
            sample.depth.append(depth)
            time.sleep(0.25)

    watcher = threading.Thread(target=watch_depth, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(clients) as pool:
        list(
            pool.map(
                lambda i: one(server, slack, make, start + warmup + i, sample, lock, reply_timeout),
                range(requests),
            )
        )
    sample.wall = time.perf_counter() - started
    running.clear()
    watcher.join()
    time.sleep(0.05)  # let the last listener threads finish their bookkeeping
    sample.cpu = server.cpu_seconds() - cpu_before
    sample.web_cpu = server.web_cpu_seconds() - web_before
    sample.calls = Counter(slack.counts) - calls_before
    return sample


def acks_alone(
    app: Server,
    bare: Server,
    makers: dict[str, Callable[[int], Request]],
    requests: int,
    clients: int,
    start: int,
    rounds: int = 2,
) -> dict[str, list[float]]:
    """Ack times with the app's workers paused (SIGSTOP), as when they run on other machines and
    `serve` has its cores to itself: the app and the bare app take turns, round by round. The
    workers then resume and the queue drains. Returns ack seconds per "app" and "bare"."""
    acks: dict[str, list[float]] = {"app": [], "bare": []}
    lock = threading.Lock()
    per_round = max(1, requests // rounds)

    def send(which: str, server: Server, i: int) -> None:
        status, _, started = _send(server, makers[which](start + i), timeout=30)
        took = time.perf_counter() - started
        if status == 200:
            with lock:
                acks[which].append(took)

    sent = 0
    for k in range(rounds):
        for which, server in (("bare", bare), ("app", app))[:: 1 if k % 2 == 0 else -1]:
            for w in app.workers:
                w.send_signal(signal.SIGSTOP if which == "app" else signal.SIGCONT)
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(lambda i: send(which, server, sent + i), range(per_round)))
        sent += per_round
    for w in app.workers:
        w.send_signal(signal.SIGCONT)
    deadline = time.time() + 120
    while time.time() < deadline and (app.queue_depth() or 0) > 0:
        time.sleep(0.5)
    return acks


def kill_a_worker(server: Server, slack: BenchSlack, make, requests: int, clients: int) -> dict:
    """Send `requests` requests; kill -9 the first worker once a third are acked, start another,
    and count the replies each request got (exactly one is right)."""
    names: list[str] = []
    acked = []
    lock = threading.Lock()
    killed = threading.Event()
    victim = server.workers[0]

    def send(i: int) -> None:
        req = make(10_000_000 + i)
        status, _, _ = _send(server, req, timeout=30)
        with lock:
            names.append(req.reply_name)
            if status == 200:
                acked.append(req.reply_name)
            if len(acked) >= requests // 3 and not killed.is_set():
                killed.set()
                victim.send_signal(signal.SIGKILL)

    before = Counter(slack.replies)
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, range(requests)))
    victim.wait(10)
    server.workers.remove(victim)
    server.start_worker()
    deadline = time.time() + 180
    while time.time() < deadline:
        got = Counter(slack.replies) - before
        if all(got[n] >= 1 for n in acked) and (server.queue_depth() or 0) == 0:
            break
        time.sleep(0.5)
    time.sleep(2)  # a late second reply would land by now
    got = Counter(slack.replies) - before
    return {
        "sent": len(names),
        "acked": len(acked),
        "once": sum(1 for n in acked if got[n] == 1),
        "twice_or_more": sum(1 for n in acked if got[n] > 1),
        "never": sum(1 for n in acked if got[n] == 0),
    }
