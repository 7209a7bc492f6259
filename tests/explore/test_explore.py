"""The stateful exploration of the whole command surface.

Within `make test` it is a bounded run (EXPLORE_EXAMPLES sequences of EXPLORE_STEPS steps,
the same ones every time). `make explore` sets EXPLORE_MINUTES and runs fresh random
sequences for that long, on SQLite and, when DATABASE_URL_PG is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from .machine import ConsultMachine, machine_on
from .world import FOUND_THIS_RUN, InvariantBroken

MINUTES = float(os.environ.get("EXPLORE_MINUTES", "0"))  # 0: the bounded run of `make test`
EXAMPLES = int(os.environ.get("EXPLORE_EXAMPLES", "6"))
STEPS = int(os.environ.get("EXPLORE_STEPS", "25" if not MINUTES else "40"))


def _settings(long: bool) -> settings:
    return settings(
        max_examples=10 if long else EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        derandomize=not long,  # `make test` runs the same sequences every time
        database=None if not long else settings.default.database,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        print_blob=long,
    )


def _explore(machine) -> None:
    if not MINUTES:
        run_state_machine_as_test(machine, settings=_settings(long=False))
        return
    # A long run: rounds of fresh random sequences until the time is up. A round ends on its
    # first failure, shrunk and printed as shell input; the run goes on looking for other kinds
    # of failure, and fails at the end with every one it found (also written to EXPLORE_OUT).
    engines = 2 if os.environ.get("DATABASE_URL_PG") else 1
    stop = time.monotonic() + MINUTES * 60 / engines
    found: list[InvariantBroken] = []
    while time.monotonic() < stop:
        try:
            run_state_machine_as_test(machine, settings=_settings(long=True))
        except InvariantBroken as e:
            found.append(e)
            FOUND_THIS_RUN.add(e.kind)
            if os.environ.get("EXPLORE_OUT"):
                with open(os.environ["EXPLORE_OUT"], "a") as out:
                    out.write(f"## {e.what}\n{e.script}\n\n")
    assert not found, f"{len(found)} kinds of failure:\n\n" + "\n\n".join(map(str, found))


def test_explore_on_sqlite():
    _explore(ConsultMachine)


@pytest.mark.postgres
def test_explore_on_postgres():
    if not os.environ.get("DATABASE_URL_PG"):
        pytest.fail("DATABASE_URL_PG is not set: run with `make test` or `make explore`")
    _explore(machine_on("postgres"))
