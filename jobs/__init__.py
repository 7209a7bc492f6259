"""Scheduled work. Fixed sweeps run every minute and find what is due in the
project's own tables; the delivery ledger makes each send exactly-once.

A module in this package declares a sweep with `@sweep("name")` on a
function `(services, now) -> None`; jobs/scheduler.py runs them.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger("consult.jobs")


@dataclass
class Sweep:
    name: str
    run: Callable[[object, datetime], None]
    every_seconds: int = 60


SWEEPS: dict[str, Sweep] = {}


def sweep(name: str, every_seconds: int = 60):
    def decorate(fn):
        SWEEPS[name] = Sweep(name, fn, every_seconds)
        return fn

    return decorate


def load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name != "scheduler":
            importlib.import_module(f"{__name__}.{info.name}")


def run_sweeps(services, now: datetime) -> None:
    """Run every sweep once; one failing sweep never stops the others."""
    load_all()
    # Sweeps slower than the tick skip ticks. Only pacing lives here: what is
    # due, and what was sent, live in the database.
    last_run = services.extras.setdefault("sweeps_last_run", {})
    for s in SWEEPS.values():
        last = last_run.get(s.name)
        if (
            s.every_seconds > 60
            and last is not None
            and 0 <= (now - last).total_seconds() < s.every_seconds
        ):
            continue
        last_run[s.name] = now
        try:
            s.run(services, now)
        except Exception:
            log.exception("sweep %s failed; it runs again at the next tick", s.name)
