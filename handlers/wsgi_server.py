"""The production WSGI servers `serve` can run on: waitress (the default) or gunicorn (gthread).

`make bench --server gunicorn,waitress` compares the two, each against the bare
Bolt app on the same server: waitress spent less CPU per request, with acks as
fast (docs/performance.md, "WSGI server"), so it stays the default. gunicorn is
there for `--processes N`: several web processes on one port, under a master
that restarts one that dies.

Both are given a `load()` that builds the WSGI callable, and run it with the
same number of request threads. gunicorn forks its web processes from a
master: `load()` runs in each of them after the fork, so every web process
opens its own database connections, scheduler leadership and worker threads
(nothing is shared across a fork). The master only binds the port, restarts a
web process that dies, and on SIGTERM lets each finish its requests. On
either server, SIGTERM stops a web process gracefully: running requests finish,
then `on_exit` leaves the scheduler's leadership and stops the worker threads.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

SERVERS = ("waitress", "gunicorn")
DEFAULT_SERVER = "waitress"

log = logging.getLogger("consult")


def run_wsgi(
    server: str,
    load: Callable[[], object],
    *,
    host: str,
    port: int,
    threads: int,
    processes: int = 1,
    name: str = "Consult",
    on_exit: Callable[[], None] | None = None,
) -> None:
    """Serve `load()`'s WSGI app until stopped (SIGTERM or Ctrl-C)."""
    if server == "waitress":
        import waitress

        wsgi = load()

        def stop(_signum, _frame):  # waitress finishes its running requests on SystemExit
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            waitress.serve(wsgi, host=host, port=port, threads=threads, ident=name)
        finally:
            if on_exit is not None:
                on_exit()
        return
    if server != "gunicorn":
        raise ValueError(f"unknown WSGI server {server!r}; one of {', '.join(SERVERS)}")
    _gunicorn_app(load, host, port, threads, processes, name, on_exit).run()


def _gunicorn_app(load, host, port, threads, processes, name, on_exit):
    from gunicorn.app.base import BaseApplication

    class GthreadApp(BaseApplication):
        """gunicorn configured from `serve`'s own options, not from its command line or files."""

        def load_config(self):
            settings = {
                "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
                "workers": processes,
                "worker_class": "gthread",
                "threads": threads,
                "proc_name": name.lower(),
                "preload_app": False,  # load() after the fork: see the module's docstring
                "control_socket_disable": True,  # one per machine by default: instances would collide
                "errorlog": "-",
                "loglevel": "warning",
                "graceful_timeout": 30,
                "worker_exit": (lambda _server, _worker: on_exit()) if on_exit else None,
            }
            for key, value in settings.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return load()

    return GthreadApp(prog=name.lower())
