"""The queue between the web process (which acks) and the workers (which do the work).

One interface, two engines:

- `LocalQueue` (SQLite, the embedded default): the ledger in `slack_request` is
  the queue, and worker threads run inside this process, so `make run` and a
  laptop `serve` stay one process.
- `PostgresQueue`: procrastinate's job queue in the same PostgreSQL database.
  `python app.py worker` processes (any number, any machine) take jobs with
  LISTEN/NOTIFY; a worker killed mid-job stops its heartbeat, and another worker
  puts its jobs back on the queue.

A job carries only the request's Slack id; the request itself waits in the
ledger, which also makes every job idempotent (storage/slack_requests.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import slack_requests
from storage.db import make_engine
from storage.models.base import utcnow

log = logging.getLogger("consult.queue")

Run = Callable[[str], None]  # runs one request, by its Slack id

TASK = "consult.slack_request"
QUEUE = "slack"


class LocalQueue:
    """Worker threads in this process, fed from memory and, at start, from the ledger."""

    in_process_only = True

    stall_seconds = 0  # one process: whatever it left running when it stopped is stale

    def __init__(self, engine, threads: int = 4):
        self.engine = engine
        self.threads = threads
        self._keys: queue.Queue[str | None] = queue.Queue()
        self._pending: set[str] = set()  # queued here and not yet run: each key runs once
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def record_and_enqueue(self, key, kind, team_id, body, content_type, listener=None) -> bool:
        """Write the request into the ledger and queue it; False for a Slack id seen before."""
        fresh = slack_requests.record(self.engine, key, kind, team_id, body, content_type, listener)
        if fresh:
            self.enqueue(key[:120])
        return fresh

    def enqueue(self, key: str) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        self._keys.put(key)

    def start_worker(self, run: Run) -> None:
        # Whatever was acked but not done when this process last stopped goes first (once,
        # even if it was also queued here since this process started).
        for key in slack_requests.unfinished(self.engine):
            self.enqueue(key)
        for n in range(self.threads):
            t = threading.Thread(
                target=self._loop, args=(run,), name=f"consult-worker-{n}", daemon=True
            )
            t.start()
            self._workers.append(t)

    def _loop(self, run: Run) -> None:
        while (key := self._keys.get()) is not None:
            try:
                _run_one(run, key)
            finally:
                with self._lock:
                    self._pending.discard(key)

    def stop(self) -> None:
        for _ in self._workers:
            self._keys.put(None)
        for t in self._workers:
            t.join(10)
        self._workers.clear()


class PostgresQueue:
    """procrastinate on the application's own PostgreSQL database."""

    in_process_only = False

    def __init__(self, engine, database_url: str, concurrency: int = 8, stall_seconds: float = 30):
        import procrastinate

        self.engine = engine
        self.conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(False)
        # Acks: one autocommit statement each, on connections not pinged before use (the ping
        # would double the round trips; a dropped connection is replaced and tried again).
        self.ack_engine = make_engine(
            database_url, pool_pre_ping=False, isolation_level="AUTOCOMMIT"
        )
        self.concurrency = concurrency
        self.stall_seconds = stall_seconds
        # Deferring is synchronous (web threads); the worker is asynchronous (its own loop).
        self._defer_app = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(
                conninfo=self.conninfo,
                min_size=1,
                max_size=10,  # procrastinate's pools check each connection before use
            )
        )
        self._defer_lock = threading.Lock()
        self._defer_open = False
        self._worker = None
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def record_and_enqueue(self, key, kind, team_id, body, content_type, listener=None) -> bool:
        """The ledger row and procrastinate's job row in one statement (one transaction, one
        round trip to PostgreSQL per ack), so there is never one without the other."""
        return slack_requests.record_then(
            self.ack_engine,
            key,
            kind,
            team_id,
            body,
            content_type,
            then=_DEFER_SQL,
            params={"queue": QUEUE, "task": TASK, "args": json.dumps({"key": key[:120]})},
            listener=listener,
        )

    def enqueue(self, key: str) -> None:
        from procrastinate.exceptions import AlreadyEnqueued

        with self._defer_lock:
            if not self._defer_open:
                self._defer_app.open()
                self._defer_open = True
        try:
            # The queueing lock keeps one waiting job per request, however often it is deferred.
            self._defer_app.configure_task(TASK, queue=QUEUE, queueing_lock=key).defer(key=key)
        except AlreadyEnqueued:
            pass

    def run_worker(self, run: Run, install_signal_handlers: bool = True) -> None:
        """Work until stopped (SIGINT/SIGTERM, or stop() from another thread).

        procrastinate's worker stops when it loses its database connection; this
        starts it again, so that a database restart does not leave a worker idle.
        """
        if install_signal_handlers:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self._request_stop())
        while not self._stopping.is_set():
            try:
                asyncio.run(self._work(run))
            except Exception as e:
                log.warning("the worker lost its database (%s); starting again", type(e).__name__)
            self._ready.clear()
            self._stopping.wait(2)
        log.info("worker stopped")

    async def _work(self, run: Run) -> None:
        import procrastinate
        from procrastinate.worker import Worker

        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=self.conninfo,
                min_size=2,
                max_size=self.concurrency + 4,
                # Each of procrastinate's statements is one call of its own SQL functions, a
                # transaction in itself: autocommit saves a COMMIT round trip per statement.
                configure=_autocommit,
                pool_factory=_unchecked_pool,
            )
        )

        # A failure (the database gone for a moment) is tried again with back-off.
        @app.task(
            name=TASK,
            queue=QUEUE,
            retry=procrastinate.RetryStrategy(max_attempts=8, wait=2, exponential_wait=2),
        )
        def slack_request(key: str) -> None:
            run(key)

        self._loop = asyncio.get_running_loop()
        # Listeners are synchronous: each job runs on one of these threads.
        self._loop.set_default_executor(
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="consult-worker")
        )
        async with app.open_async():
            worker = Worker(
                app=app,
                queues=[QUEUE],
                concurrency=self.concurrency,
                name="consult-worker",
                install_signal_handlers=False,
                delete_jobs="successful",
                update_heartbeat_interval=max(self.stall_seconds / 3, 0.5),
                stalled_worker_timeout=self.stall_seconds,
                # LISTEN/NOTIFY wakes it at once; this poll is for notifications lost in a
                # database restart, so that no acked request waits long.
                fetch_job_polling_interval=1,
            )
            self._worker = worker
            self._ready.set()
            if self._stopping.is_set():
                return
            rescue = asyncio.create_task(self._rescue_stalled(app))
            try:
                await worker.run()
            finally:
                rescue.cancel()

    def _request_stop(self) -> None:
        self._stopping.set()
        loop, worker = self._loop, self._worker
        if loop is not None and worker is not None and self._ready.is_set():
            # The worker's own loop stops it: jobs running now finish first.
            loop.call_soon_threadsafe(worker.stop)

    async def _rescue_stalled(self, app) -> None:
        """Jobs of a worker whose heartbeat stopped (killed, or its machine lost) go back on the queue."""
        from procrastinate.exceptions import AlreadyEnqueued

        while True:
            try:
                for job in await app.job_manager.get_stalled_jobs(
                    queue=QUEUE, seconds_since_heartbeat=self.stall_seconds
                ):
                    log.warning(
                        "%s was left by a stopped worker; running it again", job.call_string
                    )
                    await app.job_manager.retry_job(job)
                # Written down by a web process that could not queue them (a database blip).
                for key in self._stranded():
                    log.warning("%s was never queued; queueing it now", key)
                    try:
                        await app.configure_task(TASK, queue=QUEUE, queueing_lock=key).defer_async(
                            key=key
                        )
                    except AlreadyEnqueued:
                        pass
            except Exception:
                log.exception("could not look for stalled jobs")
            await asyncio.sleep(max(self.stall_seconds / 3, 0.5))

    def _stranded(self) -> list[str]:
        """Requests in the ledger, not done, with no job at all (not even a failed one)."""
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT r.key FROM slack_request r WHERE r.state = 'queued' "
                        "AND r.received_at < :before AND NOT EXISTS (SELECT 1 FROM "
                        "procrastinate_jobs j WHERE j.queueing_lock = r.key) "
                        "ORDER BY r.received_at LIMIT 500"
                    ),
                    {"before": (utcnow() - timedelta(seconds=30)).replace(tzinfo=None)},
                )
            )

    def start_worker(self, run: Run) -> None:
        """The worker on a thread of this process (`serve` without --no-worker)."""
        self._thread = threading.Thread(
            target=self.run_worker,
            args=(run,),
            kwargs={"install_signal_handlers": False},
            name="consult-worker-loop",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._ready.wait(15)
            self._request_stop()
            self._thread.join(15)
            self._thread = None
        if self._defer_open:
            self._defer_app.close()
            self._defer_open = False
        self.ack_engine.dispose()


async def _autocommit(conn) -> None:
    await conn.set_autocommit(True)


def _unchecked_pool(**pool_args):
    """procrastinate's pool without its check of each connection before use (a round trip on
    every job fetch and every job finish, a fifth of the worker loop's CPU in a profile). A
    connection the database dropped fails its statement instead; the pool discards it, and
    run_worker starts the worker again."""
    import psycopg_pool

    return psycopg_pool.AsyncConnectionPool(**{**pool_args, "check": None})


# procrastinate's own SQL function for deferring, as its defer() calls it; the queueing
# lock is the request's key (`fresh.key`: the ledger row written in the same statement).
# Private to procrastinate: tests/unit/test_procrastinate_sql.py pins its name and
# signature in the version requirements.lock installs.
_DEFER_SQL = (
    "procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, fresh.key, "
    "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"
)


def _run_one(run: Run, key: str) -> None:
    try:
        run(key)
    except Exception:
        # The request stays unfinished in the ledger; a restart or the sweep runs it again.
        log.exception("Slack request %s failed in the worker", key)
