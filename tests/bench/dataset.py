"""A national data set in PostgreSQL, built with COPY (no ORM objects).

Every CCG in England is a programme in its own channel, spread over a few
Slack workspaces; each has its member practices (with list sizes), other
stakeholders, a year of engagement, a vote with its electorate and ballots,
deadlines, follow-up actions, and (for some) a calendar feed.

The schema comes from the migrations, as in production. Rows are made by a
seeded random generator, so two builds at the same scale are identical;
`Scale.engagements` is the only thing that differs between the "small" and
"large" data sets used to measure how cost grows.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# England's CCGs and their member practices at the time of co-commissioning.
NATIONAL = {
    "programmes": 211,
    "practices": 7_500,
    "others": 1_000,
    "engagements": 1_000_000,
    "deadlines": 5_000,
}
SMALL_ENGAGEMENTS = 1_000
TEAMS = 4
OTHER_TYPES = [
    "lmc",
    "healthwatch",
    "hwbb",
    "nhse",
    "local-authority",
    "patient-group",
    "provider",
    "governing-body",
    "other",
]
KINDS = ["meeting", "email", "letter", "call", "event", "survey", "board-paper", "other"]
POSITIONS = ["support", "oppose", "undecided", "neutral"]
LOCALITIES = ["North", "South", "East", "West"]
# Every third programme publishes a calendar feed.
FEED_EVERY = 3
# Issues raised: this many per programme, and the share of engagements tagged with one (or two).
ISSUES_PER_PROGRAMME = 40
TAGGED_SHARE = 0.3
ISSUE_STATES = ["open", "open", "responded", "plan-changed", "not-taken-forward"]


@dataclass(frozen=True)
class Scale:
    programmes: int
    practices: int
    others: int
    engagements: int
    deadlines: int

    @classmethod
    def national(cls, factor: float = 1.0, engagements: int | None = None) -> Scale:
        """`factor` shrinks everything (0.01 for development); at least a few programmes remain."""

        def scaled(n: int, least: int) -> int:
            return max(least, round(n * factor))

        programmes = scaled(NATIONAL["programmes"], 3)
        return cls(
            programmes=programmes,
            practices=scaled(NATIONAL["practices"], programmes * 4),
            others=scaled(NATIONAL["others"], programmes * 2),
            engagements=engagements
            if engagements is not None
            else scaled(NATIONAL["engagements"], 10),
            deadlines=scaled(NATIONAL["deadlines"], programmes * 2),
        )

    def with_engagements(self, n: int) -> Scale:
        return Scale(self.programmes, self.practices, self.others, n, self.deadlines)


@dataclass
class ProgrammeInfo:
    """What the load generator needs to make valid requests against one programme."""

    id: int
    team_id: str
    channel_id: str
    admin: str
    practice_codes: list[str] = field(default_factory=list)
    practice_users: list[tuple[int, str]] = field(
        default_factory=list
    )  # (stakeholder id, linked user)
    vote_id: int | None = None
    feed_token: str | None = None
    issue_ids: list[int] = field(default_factory=list)


@dataclass
class Dataset:
    url: str
    scale: Scale
    today: date
    programmes: list[ProgrammeInfo]
    counts: dict[str, int]
    seconds: float


def feed_token(programme_id: int, seed: int) -> str:
    # Deterministic, so a rebuilt data set keeps its feed addresses.
    # The shape of secrets.token_urlsafe(32): 43 URL-safe characters.
    digest = hashlib.sha256(f"bench-feed:{seed}:{programme_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hash_token(token: str) -> str:
    """How feed tokens rest in calendar_feed.token_hash: the feature's own hash when it exists."""
    try:
        from bot.services import calendar as feeds  # the calendar feature, when it has landed

        for name in ("hash_token", "token_hash"):
            fn = getattr(feeds, name, None)
            if callable(fn):
                return fn(token)
    except ImportError:
        pass
    return hashlib.sha256(token.encode()).hexdigest()


def libpq_url(sqlalchemy_url: str) -> str:
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def create_database(admin_url: str, name: str) -> str:
    """A fresh database `name` on the server of `admin_url` (dropped first if it exists)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def migrate(url: str) -> None:
    from storage.db import make_engine
    from storage.db import migrate as run_migrations

    engine = make_engine(url)
    try:
        run_migrations(engine)
    finally:
        engine.dispose()


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def build(url: str, scale: Scale, seed: int = 2014, log=print) -> Dataset:
    """Migrate the (empty) database at `url` and fill it. Returns what requests need."""
    import psycopg

    started = time.perf_counter()
    migrate(url)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    naive_now = now.replace(tzinfo=None)  # UTC columns rest naive (storage.models.base.UTCDateTime)
    today = now.date()
    counts: dict[str, int] = {}
    infos: list[ProgrammeInfo] = []

    with psycopg.connect(libpq_url(url)) as conn:

        def copy(table: str, columns: list[str], rows) -> int:
            n = 0
            with conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
                        n += 1
            counts[table] = counts.get(table, 0) + n
            return n

        # -- programmes, one per CCG, each in its own channel --------------------
        programme_rows = []
        for p in range(1, scale.programmes + 1):
            info = ProgrammeInfo(
                id=p, team_id=f"TB{p % TEAMS}", channel_id=f"CB{p:04d}", admin=f"UA{p:04d}"
            )
            infos.append(info)
            programme_rows.append(
                (
                    p,
                    info.team_id,
                    info.channel_id,
                    f"CCG {p:03d} co-commissioning",
                    "Europe/London",
                    "co-commissioning",
                    today.year,
                    info.admin,
                    naive_now,
                    True,
                    0,
                    "09:00",
                )
            )
        copy(
            "programme",
            [
                "id",
                "team_id",
                "channel_id",
                "name",
                "timezone",
                "template",
                "year",
                "created_by",
                "created_at",
                "digest_enabled",
                "digest_weekday",
                "digest_time",
            ],
            programme_rows,
        )
        copy(
            "role",
            ["programme_id", "user_id", "role", "granted_by", "granted_at"],
            [
                (i.id, i.admin, role, i.admin, naive_now)
                for i in infos
                for role in ("admin", "returning-officer")
            ],
        )

        # -- stakeholders: member practices (with list sizes) and the others -----
        stakeholder_rows = []
        by_programme: dict[int, list[tuple[int, str]]] = {i.id: [] for i in infos}  # (id, type)
        practice_sizes: dict[int, int] = {}
        sid = 0
        for info, n in zip(infos, _spread(scale.practices, scale.programmes)):
            for k in range(n):
                sid += 1
                code = f"Y{sid:05d}"
                size = int(rng.lognormvariate(8.8, 0.45))  # about 7,000 patients, a long tail
                user = f"UP{sid:05d}" if rng.random() < 0.8 else None
                stakeholder_rows.append(
                    (
                        sid,
                        info.id,
                        "practice",
                        f"Practice {sid:05d} Surgery",
                        code,
                        size,
                        f"{LOCALITIES[k % len(LOCALITIES)]} locality",
                        user,
                        naive_now,
                    )
                )
                by_programme[info.id].append((sid, "practice"))
                practice_sizes[sid] = size
                info.practice_codes.append(code)
                if user:
                    info.practice_users.append((sid, user))
        for info, n in zip(infos, _spread(scale.others, scale.programmes)):
            for k in range(n):
                sid += 1
                kind = OTHER_TYPES[k % len(OTHER_TYPES)]
                stakeholder_rows.append(
                    (
                        sid,
                        info.id,
                        kind,
                        f"{kind.title()} {sid:05d}",
                        None,
                        None,
                        None,
                        None,
                        naive_now,
                    )
                )
                by_programme[info.id].append((sid, kind))
        copy(
            "stakeholder",
            [
                "id",
                "programme_id",
                "type",
                "name",
                "code",
                "list_size",
                "group_name",
                "linked_user_id",
                "created_at",
            ],
            stakeholder_rows,
        )
        # The workspace directory as the daily sweep leaves it: everyone who uses Consult is
        # in it, so requests do not send Slack a users.info each (as on a first day).
        people = sorted(
            {(i.team_id, u) for i in infos for u in [i.admin] + [u for _s, u in i.practice_users]}
        )
        copy(
            "person",
            ["team_id", "user_id", "display_name", "real_name", "deleted", "updated_at", "seen_at"],
            [(t, u, f"Person {u}", f"Person {u}", False, naive_now, naive_now) for t, u in people],
        )
        log(f"  {len(infos):,} programmes, {sid:,} stakeholders")

        # -- a year of engagement, with who was engaged and their positions ------
        # A tenth of each register is never engaged (the digest's "not engaged" list).
        # Every change is audited, so the audit trail is as long as the log (and read by some features).
        audit_rows: list[tuple] = [
            (i.team_id, i.id, i.admin, naive_now, "stakeholder.add", "stakeholder", sid_)
            for i in infos
            for sid_, _t in by_programme[i.id]
        ]
        engageable = {
            p: ids[: max(1, len(ids) - len(ids) // 10)] for p, ids in by_programme.items()
        }
        per_programme = _spread(scale.engagements, scale.programmes)
        engagement_links: list[tuple] = []

        # -- issues raised: 40 per programme, their tags on 30% of engagements ------
        # Their own random stream, so adding them changed nothing else in the data set.
        irng = random.Random(seed + 2)
        issue_rows: list[list] = []
        issue_id = 0
        for info in infos:
            for k in range(ISSUES_PER_PROGRAMME):
                issue_id += 1
                info.issue_ids.append(issue_id)
                state = ISSUE_STATES[k % len(ISSUE_STATES)]
                created = naive_now - timedelta(days=irng.randrange(400))
                # The words suggestions rank by: as many as ten tagged summaries give.
                words = {f"topic{k + 1}"} | {f"word{irng.randrange(500):03d}" for _ in range(80)}
                if k % 3 == 0:
                    words.add("locality")  # shared with the bench's engage summaries
                issue_rows.append(
                    [
                        issue_id,
                        info.id,
                        f"Issue {k + 1} of CCG {info.id:03d}",
                        f"issue{k + 1}ofccg{info.id:03d}",
                        f"What stakeholders said about topic {k + 1}",
                        state,
                        None if state == "open" else f"What we did about topic {k + 1}",
                        "No budget this year" if state == "not-taken-forward" else None,
                        None if state == "open" else info.admin,
                        None if state == "open" else today - timedelta(days=irng.randrange(30)),
                        None,
                        0,
                        0,
                        None,
                        None,
                        info.admin,
                        created,
                        " ".join(sorted(words)),
                    ]
                )
        issue_tags: list[tuple] = []
        raised: dict[tuple[int, int], list] = {}  # (issue, stakeholder) -> [n, first, last]

        erng = random.Random(
            seed + 1
        )  # its own stream: the rest is identical at any engagement count

        def engagements():
            rng = erng
            eid = 0
            for info, n in zip(infos, per_programme):
                pool = engageable[info.id]
                for _ in range(n):
                    eid += 1
                    day = today - timedelta(days=rng.randrange(365))
                    position = rng.choice(POSITIONS) if rng.random() < 0.3 else None
                    withdrawn = rng.random() < 0.01
                    logged = datetime.combine(day, datetime.min.time()) + timedelta(
                        hours=9 + rng.randrange(8)
                    )
                    named = rng.sample(pool, 2 if (rng.random() < 0.2 and len(pool) > 1) else 1)
                    for s, _type in named:
                        engagement_links.append((eid, s, day, position, withdrawn))
                    if irng.random() < TAGGED_SHARE:
                        # A few issues are raised far more than others (the list's order means something).
                        ids = info.issue_ids
                        picks = {ids[min(int(irng.paretovariate(1.2)) - 1, len(ids) - 1)]}
                        if irng.random() < 0.2:
                            picks.add(irng.choice(ids))
                        for iid in sorted(picks):
                            issue_tags.append(
                                (eid, iid, day, withdrawn, "command", info.admin, logged)
                            )
                            if not withdrawn:
                                for s, _type in named:
                                    r = raised.get((iid, s))
                                    if r is None:
                                        raised[(iid, s)] = [1, day, day]
                                    else:
                                        r[0] += 1
                                        r[1], r[2] = min(r[1], day), max(r[2], day)
                    audit_rows.append(
                        (
                            info.team_id,
                            info.id,
                            info.admin,
                            logged,
                            "engagement.log",
                            "engagement",
                            eid,
                        )
                    )
                    if withdrawn:
                        audit_rows.append(
                            (
                                info.team_id,
                                info.id,
                                info.admin,
                                logged,
                                "engagement.withdraw",
                                "engagement",
                                eid,
                            )
                        )
                    yield (
                        eid,
                        info.id,
                        rng.choice(KINDS),
                        f"Discussed the co-commissioning proposal ({eid})",
                        day,
                        position,
                        "command",
                        None,
                        info.admin,
                        logged,
                        None,
                        logged if withdrawn else None,
                    )

        copy(
            "engagement",
            [
                "id",
                "programme_id",
                "kind",
                "summary",
                "occurred_on",
                "position",
                "source",
                "permalink",
                "logged_by",
                "logged_at",
                "updated_at",
                "withdrawn_at",
            ],
            engagements(),
        )
        copy(
            "engagement_stakeholder",
            ["engagement_id", "stakeholder_id", "occurred_on", "position", "withdrawn"],
            engagement_links,
        )
        log(f"  {counts['engagement']:,} engagements ({len(engagement_links):,} stakeholder links)")
        engagement_links.clear()

        # The counts each issue keeps (storage.repositories.raised_issues keeps them in step).
        by_issue: dict[int, list] = {}
        for (iid, _sid), (_n, first, last) in raised.items():
            agg = by_issue.setdefault(iid, [0, first, last])
            agg[0] += 1
            agg[1], agg[2] = min(agg[1], first), max(agg[2], last)
        live_tags: dict[int, int] = {}
        for _eid, iid, _day, withdrawn_, *_ in issue_tags:
            if not withdrawn_:
                live_tags[iid] = live_tags.get(iid, 0) + 1
        for row in issue_rows:
            agg = by_issue.get(row[0])
            if agg:
                row[11], row[13], row[14] = agg[0], agg[1], agg[2]
            row[12] = live_tags.get(row[0], 0)
        copy(
            "raised_issue",
            [
                "id",
                "programme_id",
                "name",
                "name_key",
                "description",
                "state",
                "response",
                "reason",
                "response_owner",
                "responded_on",
                "merged_into_id",
                "stakeholders",
                "engagements",
                "first_raised_on",
                "last_raised_on",
                "created_by",
                "created_at",
                "vocabulary",
            ],
            issue_rows,
        )
        copy(
            "engagement_raised_issue",
            [
                "engagement_id",
                "raised_issue_id",
                "occurred_on",
                "withdrawn",
                "source",
                "tagged_by",
                "tagged_at",
            ],
            issue_tags,
        )
        copy(
            "raised_issue_stakeholder",
            [
                "raised_issue_id",
                "stakeholder_id",
                "engagements",
                "first_raised_on",
                "last_raised_on",
            ],
            ((iid, sid_, n, first, last) for (iid, sid_), (n, first, last) in raised.items()),
        )
        log(f"  {len(issue_rows):,} issues raised, {len(issue_tags):,} tags")
        issue_tags.clear()
        raised.clear()

        # -- follow-up actions, some overdue --------------------------------------
        copy(
            "action",
            [
                "programme_id",
                "engagement_id",
                "title",
                "owner_id",
                "due_on",
                "state",
                "created_by",
                "created_at",
                "done_at",
            ],
            (
                (
                    i.id,
                    None,
                    f"Follow up {k}",
                    i.admin,
                    today + timedelta(days=rng.randrange(-60, 60)),
                    "open" if k % 3 else "done",
                    i.admin,
                    naive_now,
                    naive_now if k % 3 == 0 else None,
                )
                for i in infos
                for k in range(10)
            ),
        )

        # -- deadlines over the year, some done, some with owners ----------------
        deadline_rows, owner_rows = [], []
        did = 0
        for info, n in zip(infos, _spread(scale.deadlines, scale.programmes)):
            for k in range(n):
                did += 1
                due = today + timedelta(days=rng.randrange(-180, 180))
                state = (
                    "done"
                    if (due < today and rng.random() < 0.7)
                    else ("cancelled" if rng.random() < 0.03 else "open")
                )
                meeting = k % 5 == 4
                deadline_rows.append(
                    (
                        did,
                        info.id,
                        "meeting" if meeting else "deadline",
                        f"Milestone {did}",
                        due,
                        "14:00" if meeting else None,
                        "15:30" if meeting else None,
                        "Board room" if meeting else None,
                        None,
                        "14,7,1,0",
                        state,
                        None,
                        0,
                        info.admin,
                        naive_now,
                        naive_now,
                    )
                )
                if k % 2 == 0:
                    owner_rows.append((did, info.admin))
        copy(
            "deadline",
            [
                "id",
                "programme_id",
                "kind",
                "title",
                "due_on",
                "due_time",
                "end_time",
                "place",
                "notes",
                "remind_days",
                "state",
                "template_key",
                "sequence",
                "created_by",
                "created_at",
                "updated_at",
            ],
            deadline_rows,
        )
        copy("deadline_owner", ["deadline_id", "user_id"], owner_rows)

        # -- one open vote per programme: electorate, ballots, history ----------
        vote_rows, elector_rows, ballot_rows, history_rows = [], [], [], []
        closes = naive_now + timedelta(days=30)
        for info in infos:
            info.vote_id = info.id
            vote_rows.append(
                (
                    info.id,
                    info.id,
                    "Should the CCG take on joint commissioning of primary care?",
                    closes,
                    "simple",
                    None,
                    False,
                    None,
                    "open",
                    "ballots",
                    info.admin,
                    naive_now,
                    f"1400000000.{info.id:06d}",
                )
            )
            for s, kind in by_programme[info.id]:
                if kind != "practice":
                    continue
                elector_rows.append((info.id, s, practice_sizes[s]))
                if rng.random() < 0.6:
                    choice = rng.choice(["for", "for", "against", "abstain"])
                    ballot_rows.append((info.id, s, choice, "slack", info.admin, naive_now, 0))
                    history_rows.append((info.id, s, choice, "slack", info.admin, naive_now))
        copy(
            "vote",
            [
                "id",
                "programme_id",
                "question",
                "closes_at",
                "rule",
                "quorum_percent",
                "weighted",
                "group_name",
                "state",
                "mode",
                "opened_by",
                "opened_at",
                "message_ts",
            ],
            vote_rows,
        )
        copy("elector", ["vote_id", "stakeholder_id", "list_size"], elector_rows)
        copy(
            "ballot",
            [
                "vote_id",
                "stakeholder_id",
                "choice",
                "method",
                "recorded_by",
                "recorded_at",
                "changes",
            ],
            ballot_rows,
        )
        copy(
            "ballot_history",
            ["vote_id", "stakeholder_id", "choice", "method", "recorded_by", "recorded_at"],
            history_rows,
        )

        audit_rows.extend(
            (i.team_id, i.id, i.admin, naive_now, "deadline.add", "deadline", row[0])
            for i, row in ((infos[r[1] - 1], r) for r in deadline_rows)
        )
        audit_rows.extend(
            (infos[b[0] - 1].team_id, b[0], b[4], naive_now, "ballot.cast", "ballot", b[1])
            for b in ballot_rows
        )
        audit_rows.extend(
            (i.team_id, i.id, i.admin, naive_now, "vote.open", "vote", i.vote_id) for i in infos
        )
        copy(
            "audit_event",
            ["team_id", "programme_id", "actor", "at", "action", "entity", "entity_id"],
            audit_rows,
        )
        audit_rows.clear()

        # -- calendar feeds for some programmes ----------------------------------
        feed_rows = []
        for info in infos:
            if info.id % FEED_EVERY == 1:
                info.feed_token = feed_token(info.id, seed)
                feed_rows.append(
                    (
                        info.id,
                        hash_token(info.feed_token),
                        "programme",
                        None,
                        info.admin,
                        naive_now,
                        0,
                    )
                )
        copy(
            "calendar_feed",
            [
                "programme_id",
                "token_hash",
                "kind",
                "user_id",
                "created_by",
                "created_at",
                "fetch_count",
            ],
            feed_rows,
        )

        # Explicit ids were given: move each sequence past them.
        with conn.cursor() as cur:
            for table in (
                "programme",
                "stakeholder",
                "engagement",
                "deadline",
                "vote",
                "role",
                "action",
                "ballot",
                "ballot_history",
                "calendar_feed",
                "audit_event",
                "raised_issue",
            ):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        conn.commit()

    # Fresh statistics, as autovacuum would have after a year of use.
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return Dataset(
        url=url,
        scale=scale,
        today=today,
        programmes=infos,
        counts=counts,
        seconds=time.perf_counter() - started,
    )
