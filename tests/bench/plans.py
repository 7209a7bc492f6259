"""Query plans of the hot paths: which statements a command runs, and how they scan.

Each command is replayed in-process (the same dispatcher as Slack and the
shell) against the small and the large data set while SQLAlchemy's
statements are captured; each SELECT is then run again under
`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`. A statement whose buffers grow
with the engagement log, or that sequentially scans a big table, is what
makes a command slower as a programme's history grows.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

from sqlalchemy import event, text

from .dataset import Dataset

# Tables this big (rows, in the large data set) must not be read whole to answer one programme.
BIG_TABLE_ROWS = 5_000
# An index scan that reads this many rows only to discard them by a filter is a missing index column.
FILTERED_ROWS = 1_000


class RecordingMessenger:
    """The Messenger port, keeping what would have been sent."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def reply(self, text, blocks=None, fallback_blocks=None):
        self.sent.append(("reply", text))

    def post(self, channel, text, blocks=None, **kwargs):
        self.sent.append(("post", text))
        return "1400000000.000001"

    def dm(self, user, text, blocks=None, **kwargs):
        self.sent.append(("dm", text))
        return "1400000000.000002"

    def open_modal(self, view):
        self.sent.append(("modal", ""))

    def upload(self, user, filename, content, title, comment):
        self.sent.append(("upload", filename))


@dataclass
class Statement:
    sql: str
    params: object
    small_ms: float | None = None
    large_ms: float | None = None
    small_buffers: int | None = None
    large_buffers: int | None = None
    seq_scans: list[str] = field(
        default_factory=list
    )  # "Seq Scan engagement (1,000,000 rows read)"

    @property
    def grows(self) -> bool:
        """Reads markedly more pages when only the engagement log grew."""
        if self.small_buffers is None or self.large_buffers is None:
            return False
        return self.large_buffers > max(2 * self.small_buffers, self.small_buffers + 50)

    def short(self, width: int = 110) -> str:
        sql = re.sub(r"\s+", " ", self.sql).strip()
        return sql if len(sql) <= width else sql[: width - 1] + "…"


@dataclass
class PathPlan:
    scenario: str
    statements: list[Statement]
    reply: str
    error: str | None = None
    round_trips: int = (
        0  # every statement sent to PostgreSQL (BEGIN, writes and SELECTs), national data set
    )

    @property
    def findings(self) -> list[Statement]:
        return [s for s in self.statements if s.seq_scans or s.grows]


def _services(url: str):
    from app import bootstrap
    from bot.settings import Settings

    return bootstrap(Settings(database_url=url), migrate=False)


def _capture(engine):
    captured: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    return captured, lambda: event.remove(engine, "before_cursor_execute", grab)


def _run_command(services, programme, text: str) -> str:
    from bot.context import Actor
    from handlers.commands import CommandRequest, dispatch

    out = RecordingMessenger()
    dispatch(
        CommandRequest(
            actor=Actor(programme.team_id, programme.admin, False),
            channel_id=programme.channel_id,
            text=text,
            services=services,
            out=out,
            trigger_id="trig-explain",
        )
    )
    return " | ".join(t for _k, t in out.sent)[:300]


def _run_feed(services, programme, _text) -> str:
    from handlers.web import ROUTES

    path = f"/calendar/{programme.feed_token}.ics"
    for methods, pattern, handler in ROUTES:
        m = pattern.fullmatch(path)
        if m and "GET" in methods:
            status, _headers, body = handler(
                services, {"REQUEST_METHOD": "GET", "PATH_INFO": path}, m
            )
            return f"{status}, {len(body):,} bytes"
    return "no route"


def _run_button(services, programme, _text) -> str:
    """What a vote button click does past Bolt: the vote service's ballot from a button."""
    from bot.context import Actor
    from bot.services import votes

    _sid, voter = programme.practice_users[0]
    outcome = votes.ballot_from_button(
        Actor(programme.team_id, voter, False),
        programme.vote_id,
        "against",
        services.new_uow(),
        None,
    )
    return type(outcome).__name__


def _run_you_said(services, programme, _text) -> str:
    """The evidence pack's "You said, we did" section alone: what it reads and computes."""
    from bot.services import evidence

    with services.new_uow() as uow:
        rows = [evidence.you_said_row(r, 1) for r in evidence.gather_issues(uow, programme.id)]
    return f"{len(rows)} issues, {sum(len(r.quotes) for r in rows)} summaries"


# Paths with no request of their own, explained like the commands.
IN_PROCESS_PATHS = [("evidence pack: You said, we did", _run_you_said)]


def _walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _explain(engine, sql: str, params) -> tuple[float, int, list[tuple[str, int]]]:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            result = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params or {}
            )
            doc = result.scalar()
        finally:
            trans.rollback()
    doc = doc[0] if isinstance(doc, list) else doc
    top = doc["Plan"]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    scans = []
    for n in _walk(top):
        if "Relation Name" not in n:
            continue
        loops = n.get("Actual Loops", 1)
        read = int((n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)) * loops)
        if n.get("Node Type") == "Seq Scan":
            scans.append((n["Relation Name"], read, "Seq Scan"))
        elif n.get("Rows Removed by Filter", 0) * loops > FILTERED_ROWS:
            # An index that finds the programme's rows, then throws most of them away.
            index = f" using {n['Index Name']}" if n.get("Index Name") else ""
            scans.append(
                (
                    n["Relation Name"],
                    read,
                    f"{n['Node Type']}{index} discarding "
                    f"{int(n['Rows Removed by Filter'] * loops):,} rows of",
                )
            )
    return doc.get("Execution Time", 0.0), buffers, scans


def _table_rows(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(rows)
            for name, rows in conn.execute(
                text(
                    "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            )
        }


def _readable(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH") and "FOR UPDATE" not in sql.upper()


def explain_paths(small: Dataset, large: Dataset, scenarios, log=print) -> list[PathPlan]:
    """Replay each available command (and the feed) on both data sets; explain every SELECT."""
    paths: list[PathPlan] = []
    svc_small, svc_large = _services(small.url), _services(large.url)
    try:
        big = {t for t, n in _table_rows(svc_large.engine).items() if n >= BIG_TABLE_ROWS}
        jobs = []
        for sc in scenarios:
            if not sc.available or sc.key == "feed304":
                continue
            if sc.kind == "button":
                programme_l, programme_s = large.programmes[0], small.programmes[0]
                runner, text_ = _run_button, None
            elif sc.kind == "feed":
                programme_l = next(p for p in large.programmes if p.feed_token)
                programme_s = next(p for p in small.programmes if p.id == programme_l.id)
                runner, text_ = _run_feed, None
            else:
                programme_l = large.programmes[0]
                programme_s = small.programmes[0]
                runner, text_ = _run_command, sc.make_text(programme_l, 10_000_000)
            jobs.append((sc.label, runner, programme_l, programme_s, text_))
        for label, runner in IN_PROCESS_PATHS:
            jobs.append((label, runner, large.programmes[0], small.programmes[0], None))
        for label_, runner, programme_l, programme_s, text_ in jobs:
            per_db = {}
            trips = 0
            reply, error = "", None
            for label, svc, programme in (
                ("small", svc_small, programme_s),
                ("large", svc_large, programme_l),
            ):
                captured, stop = _capture(svc.engine)
                try:
                    reply = runner(svc, programme, text_)
                except Exception as e:  # a failing path is a finding, not the end of the benchmark
                    error = f"{type(e).__name__}: {e}"
                finally:
                    stop()
                per_db[label] = [(sql, params) for sql, params in captured if _readable(sql)]
                trips = len(captured)
            statements = []
            for k, (sql, params) in enumerate(per_db["large"]):
                st = Statement(sql, params)
                try:
                    st.large_ms, st.large_buffers, scans = _explain(svc_large.engine, sql, params)
                    st.seq_scans = [
                        f"{how} {rel} ({rows:,} rows read)"
                        for rel, rows, how in scans
                        if rel in big
                    ]
                    if k < len(per_db["small"]) and per_db["small"][k][0] == sql:
                        st.small_ms, st.small_buffers, _ = _explain(
                            svc_small.engine, *per_db["small"][k]
                        )
                except Exception as e:
                    st.seq_scans.append(f"(EXPLAIN failed: {type(e).__name__})")
                statements.append(st)
            paths.append(PathPlan(label_, statements, reply, error, trips))
            seq = sum(1 for s in statements if any(x.startswith("Seq Scan") for x in s.seq_scans))
            discard = sum(
                1 for s in statements if any(not x.startswith("Seq Scan") for x in s.seq_scans)
            )
            log(
                f"  {label_}: {len(statements)} SELECTs, {seq} with a sequential scan of a big table, "
                f"{discard} reading rows only to discard them, {sum(1 for s in statements if s.grows)} growing with the log"
            )
    finally:
        svc_small.engine.dispose()
        svc_large.engine.dispose()
    return paths


def render_all_digests(dataset: Dataset) -> tuple[float | None, int, str]:
    """Seconds to compose and render every programme's weekly digest, in-process, one after another.

    (None, 0, why) when the digest feature is not there yet.
    """
    try:
        from blocks.digest import render_digest
        from bot.digest import window_before
        from bot.services import digests

        compose = digests.compose
    except (ImportError, AttributeError) as e:
        return None, 0, f"no digest service yet ({e})"
    from zoneinfo import ZoneInfo

    from bot import clock

    services = _services(dataset.url)
    try:
        started = time.perf_counter()
        size = 0
        now = clock.now()
        for p in dataset.programmes:
            with services.new_uow() as uow:
                programme = uow.programmes.get(p.id)
                today = now.astimezone(ZoneInfo(programme.timezone)).date()
                rendered = render_digest(
                    compose(uow, programme, window_before(now, programme.timezone), today)
                )
            size += len(rendered.headline) + sum(len(section.text) for section in rendered.sections)
        return time.perf_counter() - started, size, ""
    except Exception as e:
        return None, 0, f"rendering failed: {type(e).__name__}: {e}"
    finally:
        services.engine.dispose()


# Slack's limits that bound posting the weekly digests with their pictures.
UPLOADS_PER_MINUTE = 100  # files.getUploadURLExternal and files.completeUploadExternal: Tier 4


def render_all_digest_charts(dataset: Dataset) -> dict | None:
    """Every programme's digest composed and rendered with its charts drawn as PNG, one after
    another in-process: the work the weekly sweep does before it talks to Slack. Returns the
    seconds in all and in drawing, the pictures drawn and their bytes, and how long Slack's rate
    limits (and the sweep's own spacing) need to post them; None if charts are not there."""
    try:
        from blocks.digest import render_digest
        from bot.digest import window_before
        from bot.services import digests
        from jobs.digests import POST_SPACING_SECONDS
    except (ImportError, AttributeError):
        return None
    from zoneinfo import ZoneInfo

    from bot import clock

    services = _services(dataset.url)
    try:
        drawing = 0.0
        pictures = size = 0
        started = time.perf_counter()
        now = clock.now()
        for p in dataset.programmes:
            with services.new_uow() as uow:
                programme = uow.programmes.get(p.id)
                today = now.astimezone(ZoneInfo(programme.timezone)).date()
                rendered = render_digest(
                    digests.compose(uow, programme, window_before(now, programme.timezone), today)
                )
            for picture in rendered.pictures:
                t0 = time.perf_counter()
                size += len(picture.png())
                drawing += time.perf_counter() - t0
                pictures += 1
        seconds = time.perf_counter() - started
    finally:
        services.engine.dispose()
    digests_n = len(dataset.programmes)
    # Uploads are paced by their Tier 4 limit; posts by the sweep's spacing (about one a second,
    # Slack's guidance per channel), and the sweep also pauses between a digest's pictures.
    uploads_need = pictures / UPLOADS_PER_MINUTE * 60
    posts_need = digests_n * POST_SPACING_SECONDS
    sweep_pacing = (digests_n + max(0, pictures - digests_n)) * POST_SPACING_SECONDS
    return {
        "digests": digests_n,
        "seconds": seconds,
        "drawing": drawing,
        "pictures": pictures,
        "bytes": size,
        "slack_needs": max(uploads_need, posts_need),
        "sweep_pacing": sweep_pacing,
    }


class _DMsOnly:
    """A messenger that takes DMs and counts them: the sweep's own work, without Slack's."""

    def __init__(self):
        self.dms = 0

    def dm(self, user, text, blocks=None, *, metadata=None):
        self.dms += 1
        return f"{self.dms}.000100"


def personal_digest_sweep(dataset: Dataset) -> dict | None:
    """Every member of every programme opted in to a daily personal digest (whoever has a role,
    speaks for a practice, or owns an action, a deadline, a duty or an issue), then the sweep at
    09:00 on a working day, in-process with a messenger that only counts DMs: the cost per person
    of finding what is due, composing and rendering each digest, and the ledger's claim and
    record; then the next minute's sweep, when everything is settled. None if not there."""
    try:
        from bot.dates import is_working_day
        from bot.services.personal_digests import personal_digests_due
        from jobs import personal_digests as job
    except (ImportError, AttributeError):
        return None
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import text as sql

    from storage.uow import one_connection

    members = """
        SELECT DISTINCT p.team_id, u.user_id FROM (
            SELECT programme_id, user_id FROM role
            UNION SELECT programme_id, linked_user_id FROM stakeholder WHERE linked_user_id IS NOT NULL
            UNION SELECT programme_id, owner_id FROM action
            UNION SELECT d.programme_id, o.user_id FROM deadline_owner o JOIN deadline d ON d.id = o.deadline_id
            UNION SELECT programme_id, owner_id FROM duty WHERE owner_id IS NOT NULL
            UNION SELECT programme_id, response_owner FROM raised_issue WHERE response_owner IS NOT NULL
        ) u JOIN programme p ON p.id = u.programme_id"""
    services = _services(dataset.url)
    day = date.today() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    now = datetime(day.year, day.month, day.day, 9, 0, 30, tzinfo=ZoneInfo("Europe/London"))
    spacing, job.DM_SPACING_SECONDS = job.DM_SPACING_SECONDS, 0
    try:
        with services.engine.begin() as conn:
            conn.execute(sql("DELETE FROM personal_digest"))
            conn.execute(
                sql(
                    "INSERT INTO personal_digest (team_id, user_id, frequency, weekday, timezone, "
                    f"updated_at) SELECT team_id, user_id, 'daily', 0, 'Europe/London', now() "
                    f"FROM ({members}) m"
                )
            )
            people = conn.execute(sql("SELECT count(*) FROM personal_digest")).scalar()
        counter = _DMsOnly()
        services = replace(services, messenger_for_team=lambda team: counter)
        t0 = time.perf_counter()
        due = len(personal_digests_due(services.new_uow(), now))
        finding = time.perf_counter() - t0
        # As the scheduler runs its sweeps, a minute apart (each takes at most MAX_PER_SWEEP),
        # each holding one connection throughout, until no one is left: the time of the ticks
        # alone, not of the checks between them.
        sweep, ticks = 0.0, 0
        while ticks < 100 and personal_digests_due(
            services.new_uow(), now + timedelta(minutes=ticks)
        ):
            t0 = time.perf_counter()
            with one_connection(services.engine):
                job.send_personal_digests(services, now + timedelta(minutes=ticks))
            sweep += time.perf_counter() - t0
            ticks += 1
        t0 = time.perf_counter()
        with one_connection(services.engine):
            job.send_personal_digests(services, now + timedelta(minutes=ticks))
        settled = time.perf_counter() - t0
        return {
            "people": people,
            "due": due,
            "dms": counter.dms,
            "finding": finding,
            "sweep": sweep,
            "ticks": ticks,
            "per_tick": job.MAX_PER_SWEEP,
            "settled": settled,
            "spacing": spacing,
        }
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    finally:
        job.DM_SPACING_SECONDS = spacing
        with services.engine.begin() as conn:
            conn.execute(sql("DELETE FROM personal_digest"))
            conn.execute(sql("DELETE FROM delivery WHERE kind = 'personal-digest'"))
        services.engine.dispose()
