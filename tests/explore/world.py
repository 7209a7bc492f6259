"""One programme's world for the exploration: a fresh database, a frozen clock that moves, the
local shell's way of running `/consult` lines, and the invariants checked after every step.

Everything a step does is written down as shell input (`/consult ...` lines, clock moves and
files as comments), so a failing sequence prints as something to paste into
`python app.py shell`, and `replay(script)` runs such a script again with the same checks.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib.dates  # noqa: F401 (see below)
from freezegun import freeze_time
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import bootstrap
from bot import clock
from bot.settings import Settings
from handlers.console import LOCAL_CHANNEL, ConsoleMessenger, run_line, shell_actor

from .. import revision_guard
from ..slack_stub import block_kit_problems

CHANNEL = LOCAL_CHANNEL
ACTOR = shell_actor()
WENT_WRONG = "something went wrong"
# The PDF is the slowest check: every Nth step (and the last of a replay).
PDF_EVERY = int(os.environ.get("EXPLORE_PDF_EVERY", "10"))
# Hypothesis reads the real clock for its own bookkeeping.
NOT_FROZEN = ["hypothesis"]
# matplotlib registers its date converter when matplotlib.dates is first imported: imported
# under a frozen clock, it is registered for freezegun's stand-in date class only, and the
# real dates PostgreSQL's driver returns then cannot be drawn (a chart of a vote's turnout).
# Imported here, before any clock is frozen, it is registered as in production.


class InvariantBroken(AssertionError):
    def __init__(self, what: str, script: str):
        super().__init__(
            f"{what}\n\nReproduce it in `python app.py shell` (clock moves and files as comments):\n"
            + script
        )
        self.what, self.script = what, script

    @property
    def kind(self) -> str:
        """What broke, without the numbers that differ between sequences."""
        first = re.sub(r"\(ref [0-9a-f]+\)", "", self.what.splitlines()[0])
        return re.sub(r"\d+", "N", first)[:200]


# A long run goes on after a failure, looking for other defects: the kinds found so far.
FOUND_THIS_RUN: set[str] = set()


# -- databases: migrated once, copied per world ------------------------------------------


_templates: dict[str, str] = {}


def _sqlite_template() -> str:
    if "sqlite" not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="consult-explore-"))
        atexit.register(shutil.rmtree, folder, True)
        url = f"sqlite:///{folder / 'template.db'}"
        bootstrap(Settings(database_url=url)).engine.dispose()
        _templates["sqlite"] = str(folder / "template.db")
    return _templates["sqlite"]


def _pg_template(pg_url: str) -> str:
    if "pg" not in _templates:
        name = "consult_explore_" + uuid.uuid4().hex[:8]
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        bootstrap(Settings(database_url=url)).engine.dispose()
        _templates["pg"] = name

        def drop_template():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        atexit.register(drop_template)  # a server of one's own keeps no leftovers
    return _templates["pg"]


def fresh_database(engine_name: str, folder: Path) -> tuple[str, callable]:
    """(url, drop) of an empty, migrated database: a copy of one migrated once per run."""
    if engine_name == "sqlite":
        path = folder / f"explore-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(_sqlite_template(), path)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    pg_url = os.environ["DATABASE_URL_PG"]
    template = _pg_template(pg_url)
    name = "consult_x_" + uuid.uuid4().hex[:10]
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_url).set(database=name).render_as_string(hide_password=False), drop


# -- what Consult sends, kept and checked -------------------------------------------------


class Recorder(ConsoleMessenger):
    """The shell's messenger, writing to memory, keeping every message and view it is given
    and what real Slack would refuse of them."""

    def __init__(self, files_dir: Path):
        super().__init__(io.StringIO(), files_dir=files_dir)
        self.texts: list[str] = []
        self.problems: list[str] = []

    def _keep(self, method: str, text: str, blocks) -> None:
        self.texts.append(text or "")
        if blocks:
            self.problems += block_kit_problems(method, {"text": text, "blocks": blocks})

    def reply(self, text, blocks=None, fallback_blocks=None) -> None:
        self._keep("response", text, blocks)
        super().reply(text, blocks, fallback_blocks)

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        self._keep("chat.postMessage", text, blocks)
        return super().post(channel, text, blocks, thread_ts=thread_ts, metadata=metadata)

    def dm(self, user, text, blocks=None, *, metadata=None):
        self._keep("chat.postMessage", text, blocks)
        return super().dm(user, text, blocks, metadata=metadata)

    def update(self, channel, ts, text, blocks=None) -> None:
        self._keep("chat.update", text, blocks)
        super().update(channel, ts, text, blocks)

    def open_modal(self, view) -> None:
        self.problems += block_kit_problems("views.open", {"view": view})
        super().open_modal(view)

    def upload(self, user, filename, content, title, comment) -> None:
        self.texts.append(comment or "")  # the pack and exports stay in memory

    def upload_image(self, filename, content, title, alt) -> str:
        self._uploads = getattr(self, "_uploads", 0) + 1
        return f"FLOCAL{self._uploads:05d}"

    def fetch_files(self, channel, names):
        # As the shell, with names relative to the world's folder (the shell's working directory).
        return super().fetch_files(channel, [str(self.files_dir / n) for n in names])


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        cause = record.exc_info[1] if record.exc_info else None
        cause = f" ({type(cause).__name__}: {cause})" if cause else ""
        self.records.append(f"{record.name}: {record.getMessage()}{cause}")


# -- the world -----------------------------------------------------------------------------


class World:
    def __init__(self, start: datetime, engine_name: str = "sqlite"):
        self.folder = Path(tempfile.mkdtemp(prefix="consult-explore-"))
        self.url, self._drop = fresh_database(engine_name, self.folder)
        self._frozen = freeze_time(start, ignore=NOT_FROZEN)
        self.clock = self._frozen.start()
        self.out = Recorder(self.folder)
        self.services = replace(
            bootstrap(Settings(database_url=self.url), migrate=False),
            messenger_for_team=lambda team_id: self.out,
        )
        self.errors = ErrorLog()
        logging.getLogger().addHandler(self.errors)
        self.script: list[str] = [f"# clock {clock.now():%Y-%m-%d %H:%M} UTC"]
        self.steps = 0
        self._checked = 0  # replies already checked
        self.packs_rendered: set[str] = set()  # fingerprints of packs already rendered
        revision_guard.violations.clear()

    def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.services.engine.dispose()
        self._frozen.stop()
        self._drop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- steps

    def run(self, line: str) -> list[str]:
        """One `/consult` line, as typed in the shell; what Consult said back."""
        self.script.append(line)
        print(f"> {line}", file=self.out.out)
        first = len(self.out.texts)
        run_line(self.services, ACTOR, CHANNEL, self.out, line)
        return self.out.texts[first:]

    def move_clock(self, delta: timedelta) -> None:
        """Time passes; the scheduler's sweeps run at the new time, as in the shell."""
        self.clock.tick(delta)
        self.script.append(f"# clock {clock.now():%Y-%m-%d %H:%M} UTC (+{_span(delta)})")
        self.sweep()

    def move_clock_to(self, at: datetime) -> None:
        self.clock.move_to(at)
        self.sweep()

    def sweep(self) -> None:
        from jobs import run_sweeps

        run_sweeps(self.services, clock.now())

    def write_file(self, name: str, content: str) -> None:
        """A file the next line reads, written beside the shell (shown in the script)."""
        (self.folder / name).write_text(content)
        self.script.append(f"# file {name}:")
        self.script += [f"#   {row}" for row in content.splitlines()]

    def programme(self):
        with self.services.new_uow() as uow:
            return uow.programmes.by_channel(ACTOR.team_id, CHANNEL)

    def ids(self, sql: str, **params) -> list[int]:
        """Ids the next step can name, read straight from the tables."""
        return [row[0] for row in self.ids_pairs(sql, **params)]

    def ids_pairs(self, sql: str, **params) -> list[tuple]:
        with self.services.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    # -- invariants

    def fail(self, what: str) -> None:
        raise InvariantBroken(what, self.shell_input())

    def shell_input(self) -> str:
        return "\n".join(self.script)

    def check(self, pdf: bool | None = None) -> None:
        """Every invariant, after a step (a kind of failure this run has found already is let
        pass, so that a long run can find the others)."""
        try:
            self._check(pdf)
        except InvariantBroken as e:
            if e.kind not in FOUND_THIS_RUN:
                raise

    def _check(self, pdf: bool | None) -> None:
        self.steps += 1
        said = [t for t in self.out.texts[self._checked :] if WENT_WRONG in t.lower()]
        self._checked = len(self.out.texts)
        logged, self.errors.records[:] = list(self.errors.records), []
        if logged:
            self.fail(f"Logged at ERROR: {logged[0]}")
        if said:
            self.fail(f"A reply says something went wrong: {said[0]!r}")
        if self.out.problems:
            self.fail(f"A message Slack would refuse: {self.out.problems[0]}")
        if revision_guard.violations:
            found = list(revision_guard.violations)
            revision_guard.violations.clear()
            self.fail(f"Programme content committed without raising its revision: {found[0]}")
        programme = self.programme()
        if programme is None:
            return
        if pdf is None:
            pdf = self.steps % PDF_EVERY == 0
        try:
            from . import invariants

            invariants.check_programme(self, programme, pdf)
        except InvariantBroken:
            raise
        except AssertionError as e:
            self.fail(str(e))
        except Exception as e:
            self.fail(f"{type(e).__name__}: {e}")


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    parts = [f"{days} days"] if days else []
    if seconds:
        parts.append(f"{seconds // 3600}:{seconds % 3600 // 60:02d}")
    return " ".join(parts) or "0"


# -- replaying a printed script ------------------------------------------------------------


def replay(script: str, engine_name: str = "sqlite") -> World:
    """Run a script as the exploration printed it, checking the invariants after every step.
    Raises InvariantBroken as the exploration did; returns the world (still open) otherwise."""
    lines = [line.strip() for line in script.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("# clock "), "a script starts with its clock"
    world = World(_clock_of(lines[0]), engine_name)
    try:
        i = 1
        while i < len(lines):
            line = lines[i]
            if line.startswith("# clock "):
                world.move_clock_to(_clock_of(line))
                world.script.append(line)
                world.check()
            elif line.startswith("# file "):
                name = line[len("# file ") :].rstrip(":")
                rows = []
                while i + 1 < len(lines) and lines[i + 1].startswith("#   "):
                    i += 1
                    rows.append(lines[i][len("#   ") :])
                world.write_file(name, "\n".join(rows) + "\n")
            elif line.startswith("/consult"):
                world.run(line)
                world.check(pdf=False)
            i += 1
        world.check(pdf=True)
    except BaseException:
        world.close()
        raise
    return world


def _clock_of(line: str) -> datetime:
    stamp = " ".join(line[len("# clock ") :].split()[:2])
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


__all__ = ["World", "replay", "InvariantBroken", "timedelta"]
