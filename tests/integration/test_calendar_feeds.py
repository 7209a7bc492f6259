"""Calendar feeds on real databases (SQLite and PostgreSQL): tokens, contents, change tracking."""

from __future__ import annotations

import hashlib
import time as wallclock
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.context import Actor
from bot.errors import Forbidden, NoProgramme
from bot.people import Person
from bot.services import calendar as cal
from bot.services.directory import remember_people
from bot.services.programmes import setup_programme
from bot.settings import Settings
from storage import feed_fetches
from storage.models import Action, AuditEvent, CalendarFeed, Deadline, DeadlineOwner, Duty, Vote
from tests.harness import build_services
from tests.unit.test_calendar_feed import parse_three

UTC = UTC
BASE = "https://consult.example.org"
ADMIN = Actor("T1", "UADMIN")
JANE = Actor("T1", "UJANE")


def token_of(issued: cal.IssuedFeed) -> str:
    assert issued.web.startswith(BASE + "/calendar/") and issued.web.endswith(".ics")
    return issued.web[len(BASE + "/calendar/") : -len(".ics")]


def uid(programme_id: int, kind: str, item_id: int) -> str:
    return f"consult-t1-p{programme_id}-{kind}-{item_id}@consult"


@pytest.fixture
def programme(any_services):
    with freeze_time("2014-05-01 10:00:00"):
        p, _ = setup_programme(
            ADMIN,
            "C1",
            "Hillingdon co-commissioning",
            any_services.new_uow(),
            template="co-commissioning",
            year=2014,
            model="delegated",
        )
    return p


def add(services, *rows):
    with services.new_uow() as uow:
        for row in rows:
            uow.session.add(row)
        uow.commit()
        return [getattr(r, "id", None) for r in rows]


def meeting(programme, day, start, end=None, **kw):
    now = kw.pop("at", datetime(2014, 5, 2, tzinfo=UTC))
    return Deadline(
        programme_id=programme.id,
        kind="meeting",
        title=kw.pop("title", "Board"),
        due_on=day,
        due_time=start,
        end_time=end,
        remind_days=kw.pop("remind_days", "1,0"),
        created_by="UADMIN",
        created_at=now,
        updated_at=now,
        sequence=0,
        **kw,
    )


def fetch(services, token):
    return cal.fetch_feed(services.new_uow(), token)


def shown_now(services, channel="C1") -> set[str]:
    """The UIDs a programme feed shows before a test adds its own rows (other features add some at setup)."""
    return set(
        parse_three(
            fetch(services, token_of(cal.issue_feed(ADMIN, channel, services.new_uow(), BASE))).body
        )
    )


def test_programme_feed_shows_the_template_dates_meetings_and_votes(any_services, programme):
    baseline = shown_now(any_services)
    closes = datetime(2015, 3, 4, 17, 0, tzinfo=UTC)
    m_id, v_id, d_id = add(
        any_services,
        meeting(programme, date(2014, 12, 9), "14:00", "16:00", place="Civic Centre, Room 6"),
        Vote(
            programme_id=programme.id,
            question="Do you support delegated commissioning?",
            closes_at=closes,
            opened_by="UADMIN",
            opened_at=datetime(2015, 2, 1, tzinfo=UTC),
        ),
        Duty(
            programme_id=programme.id,
            key="hwbb-draft-plan:1",
            title="Give the HWBB the draft plan",
            statute="NHS Act 2006 s14Z13(4)",
            due_on=date(2015, 2, 4),
            owner_id="UJANE",
            created_at=datetime(2014, 5, 1, tzinfo=UTC),
            updated_at=datetime(2014, 5, 1, tzinfo=UTC),
        ),
    )
    remember_people(any_services.new_uow(), "T1", [Person("UJANE", "jane", "Jane Patel")])
    feed = fetch(any_services, token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE)))
    events = parse_three(feed.body)
    assert b"X-WR-CALNAME:Hillingdon co-commissioning\r\n" in feed.body
    expected_days = {
        date(2014, 6, 20),
        date(2015, 1, 9),  # delegated: its proforma, not the joint one
        date(2015, 3, 4),
        date(2015, 4, 1),
    }
    with any_services.new_uow() as uow:
        template_ids = [d.id for d in uow.deadlines.list(programme.id) if d.kind == "deadline"]
    days = {events[uid(programme.id, "deadline", i)]["start"] for i in template_ids}
    assert days == expected_days
    for i in template_ids:
        e = events[uid(programme.id, "deadline", i)]
        assert e["end"] == e["start"] + timedelta(days=1)
    # 14:00 London in December is 14:00 UTC.
    m = events[uid(programme.id, "meeting", m_id)]
    assert (m["start"], m["end"]) == (
        datetime(2014, 12, 9, 14, tzinfo=UTC),
        datetime(2014, 12, 9, 16, tzinfo=UTC),
    )
    assert m["location"] == "Civic Centre, Room 6"
    v = events[uid(programme.id, "vote", v_id)]
    assert v["start"] == closes and "Do you support delegated commissioning?" in v["summary"]
    d = events[uid(programme.id, "duty", d_id)]
    assert d["start"] == date(2015, 2, 4) and "Owner: Jane Patel" in d["description"]
    duty = next(
        e
        for e in icalendar.Calendar.from_ical(feed.body).walk("VEVENT")
        if str(e["UID"]) == uid(programme.id, "duty", d_id)
    )
    assert duty["ORGANIZER"].params["CN"] == "Jane Patel"
    assert [a.params["CN"] for a in _list(duty["ATTENDEE"])] == ["Jane Patel"]
    assert "channel=UJANE" in str(duty["ORGANIZER"])
    assert "https://slack.com/app_redirect?channel=C1&team=T1" in d["description"]
    assert set(events) == baseline | {
        uid(programme.id, k, i) for k, i in (("meeting", m_id), ("vote", v_id), ("duty", d_id))
    }
    assert feed.events == len(events)


def test_meetings_either_side_of_the_london_clock_change(any_services, programme):
    # Clocks went forward on Sunday 29 March 2015: 09:00 local is 09:00 UTC before, 08:00 UTC after.
    before, after = add(
        any_services,
        meeting(programme, date(2015, 3, 27), "09:00", "10:30"),
        meeting(programme, date(2015, 3, 30), "09:00", "10:30"),
    )
    events = parse_three(
        fetch(
            any_services, token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
        ).body
    )
    b, a = events[uid(programme.id, "meeting", before)], events[uid(programme.id, "meeting", after)]
    assert (b["start"], b["end"]) == (
        datetime(2015, 3, 27, 9, tzinfo=UTC),
        datetime(2015, 3, 27, 10, 30, tzinfo=UTC),
    )
    assert (a["start"], a["end"]) == (
        datetime(2015, 3, 30, 8, tzinfo=UTC),
        datetime(2015, 3, 30, 9, 30, tzinfo=UTC),
    )


def test_alarm_matches_the_first_reminder_moved_off_the_weekend(any_services, programme):
    # Due Thursday 19 March 2015; 12 days before is Saturday 7 March, so the first reminder is
    # Friday 6 March at 09:00: 13 days before the all-day event starts, plus 9 hours.
    d_id, m_id = add(
        any_services,
        Deadline(
            programme_id=programme.id,
            title="Board paper",
            due_on=date(2015, 3, 19),
            remind_days="12,1",
            created_by="UADMIN",
            created_at=datetime(2014, 5, 2, tzinfo=UTC),
            updated_at=datetime(2014, 5, 2, tzinfo=UTC),
        ),
        # Meeting Tuesday 31 March 2015 15:00 BST (14:00 UTC); reminded Monday 30 March 09:00 BST (08:00 UTC).
        meeting(programme, date(2015, 3, 31), "15:00", remind_days="1,0"),
    )
    events = parse_three(
        fetch(
            any_services, token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
        ).body
    )
    assert events[uid(programme.id, "deadline", d_id)]["alarm"] == -timedelta(days=13) + timedelta(
        hours=9
    )
    assert events[uid(programme.id, "meeting", m_id)]["alarm"] == -timedelta(hours=30)


def test_cancelled_and_deleted_items_leave_done_ones_stay_marked(any_services, programme):
    ids = add(
        any_services,
        *[meeting(programme, date(2015, 1, 5 + n), "10:00", title=f"M{n}") for n in range(3)],
    )
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    first = fetch(any_services, token)
    assert all(uid(programme.id, "meeting", i) in parse_three(first.body) for i in ids)
    with any_services.new_uow() as uow:
        rows = {d.id: d for d in uow.session.scalars(select(Deadline).where(Deadline.id.in_(ids)))}
        rows[ids[0]].state = "cancelled"
        rows[ids[1]].state = "done"
        for i in ids[:2]:
            rows[i].sequence += 1
            rows[i].updated_at = datetime(2014, 6, 1, tzinfo=UTC)
        uow.session.delete(rows[ids[2]])
        uow.commit()
    events = parse_three(fetch(any_services, token).body)
    assert uid(programme.id, "meeting", ids[0]) not in events
    assert uid(programme.id, "meeting", ids[2]) not in events
    done = events[uid(programme.id, "meeting", ids[1])]
    assert done["summary"].startswith("Done:") and done["alarm"] is None and done["sequence"] == 1


def test_same_content_same_bytes_across_fetches_and_a_restart(db_url):
    services = build_services(Settings(database_url=db_url))
    try:
        p, _ = setup_programme(
            ADMIN, "C1", "P", services.new_uow(), template="co-commissioning", year=2014
        )
        token = token_of(cal.issue_feed(ADMIN, "C1", services.new_uow(), BASE))
        one, two = fetch(services, token), fetch(services, token)
        with services.new_uow() as uow:  # counted in memory, not yet written
            assert uow.session.scalar(select(CalendarFeed)).fetch_count == 0
        feed_fetches.flush_all()  # as the process does at exit
    finally:
        services.engine.dispose()
    restarted = build_services(
        Settings(database_url=db_url)
    )  # a new app instance on the same database
    try:
        three = fetch(restarted, token)
        with restarted.new_uow() as uow:
            uow.feeds.flush_fetches()  # as the background flush does within seconds
            row = uow.session.scalar(select(CalendarFeed))
            assert row.fetch_count == 3 and row.last_fetched_at is not None
    finally:
        restarted.engine.dispose()
    assert one.body == two.body == three.body
    assert one.etag == three.etag and len(one.etag) == 64  # a strong validator: sha256 hex
    assert one.last_modified == three.last_modified
    assert set(parse_three(one.body)) == set(parse_three(three.body))
    assert len([u for u in parse_three(three.body) if "-deadline-" in u]) == 3  # model undecided


def test_a_change_raises_sequence_and_moves_etag_and_last_modified(any_services, programme):
    (m_id,) = add(any_services, meeting(programme, date(2015, 1, 5), "10:00"))
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    before = fetch(any_services, token)
    same = fetch(any_services, token)
    assert (same.etag, same.last_modified) == (before.etag, before.last_modified)
    from bot.services.deadlines import move_deadline

    with freeze_time("2014-12-01 12:00:00"):
        move_deadline(ADMIN, "C1", m_id, date(2015, 1, 6), any_services.new_uow())
        after = fetch(any_services, token)
    assert after.etag != before.etag and after.last_modified > before.last_modified
    old, new = (
        parse_three(before.body)[uid(programme.id, "meeting", m_id)],
        parse_three(after.body)[uid(programme.id, "meeting", m_id)],
    )
    assert new["sequence"] == old["sequence"] + 1
    assert new["start"] == datetime(2015, 1, 6, 10, tzinfo=UTC)
    assert new["dtstamp"] == datetime(2014, 12, 1, 12, tzinfo=UTC)


def test_a_deletion_moves_last_modified_though_no_item_is_newer(any_services, programme):
    (m_id,) = add(
        any_services,
        meeting(programme, date(2015, 1, 5), "10:00", at=datetime(2014, 5, 3, tzinfo=UTC)),
    )
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    with freeze_time("2014-06-01 12:00:00"):
        before = fetch(any_services, token)
    with any_services.new_uow() as uow:
        uow.session.delete(uow.session.get(Deadline, m_id))
        uow.commit()
    with freeze_time("2014-06-01 12:00:00"):
        after = fetch(any_services, token)
    assert after.etag != before.etag and after.last_modified > before.last_modified


def test_personal_feed_holds_only_what_the_asker_owns(any_services, programme):
    mine, theirs = add(
        any_services,
        meeting(programme, date(2015, 1, 5), "10:00", title="Mine"),
        meeting(programme, date(2015, 1, 6), "10:00", title="Theirs"),
    )
    add(
        any_services,
        DeadlineOwner(deadline_id=mine, user_id="UJANE"),
        DeadlineOwner(deadline_id=theirs, user_id="UBOB"),
    )
    act, done_act, other_act, duty, other_duty, _ = add(
        any_services,
        Action(
            programme_id=programme.id,
            title="Call the LMC",
            owner_id="UJANE",
            due_on=date(2015, 1, 12),
            created_by="UADMIN",
        ),
        Action(
            programme_id=programme.id,
            title="Done already",
            owner_id="UJANE",
            due_on=date(2015, 1, 12),
            created_by="UADMIN",
            state="done",
        ),
        Action(
            programme_id=programme.id,
            title="Bob's",
            owner_id="UBOB",
            due_on=date(2015, 1, 12),
            created_by="UADMIN",
        ),
        Duty(
            programme_id=programme.id,
            key="a",
            title="Jane's duty",
            due_on=date(2015, 2, 1),
            owner_id="UJANE",
        ),
        Duty(
            programme_id=programme.id,
            key="b",
            title="Bob's duty",
            due_on=date(2015, 2, 1),
            owner_id="UBOB",
        ),
        Vote(
            programme_id=programme.id,
            question="Q",
            closes_at=datetime(2015, 3, 4, 17, tzinfo=UTC),
            opened_by="UADMIN",
        ),
    )
    issued = cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE, personal=True)
    feed = fetch(any_services, token_of(issued))
    assert feed.kind == cal.PERSONAL
    events = parse_three(feed.body)
    assert set(events) == {
        uid(programme.id, "meeting", mine),
        uid(programme.id, "action", act),
        uid(programme.id, "duty", duty),
    }
    a = events[uid(programme.id, "action", act)]
    assert a["start"] == date(2015, 1, 12) and a["end"] == date(2015, 1, 13)
    # Actions remind the working day before (Friday 9 January 2015 for Monday the 12th) at 09:00.
    assert a["alarm"] == -timedelta(days=3) + timedelta(hours=9)
    assert b"X-WR-CALNAME:Hillingdon co-commissioning (mine)" in feed.body


def test_a_feed_shows_one_programme_only(any_services, programme):
    baseline = shown_now(any_services)
    other, _ = setup_programme(
        ADMIN,
        "C2",
        "Other programme",
        any_services.new_uow(),
        template="co-commissioning",
        year=2014,
    )
    add(any_services, meeting(other, date(2015, 1, 5), "10:00", title="Other's meeting"))
    events = parse_three(
        fetch(
            any_services, token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
        ).body
    )
    assert set(events) == baseline
    assert all(f"-p{programme.id}-" in u for u in events)
    others = shown_now(any_services, "C2")
    assert others and not others & set(events)


def test_tokens_are_random_long_and_stored_only_as_a_hash(any_services, programme):
    tokens = [token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE)) for _ in range(3)]
    assert len(set(tokens)) == 3
    assert all(cal.well_formed(t) and len(t) == 43 for t in tokens)  # 32 bytes = 256 bits
    with any_services.new_uow() as uow:
        rows = list(uow.session.scalars(select(CalendarFeed)))
        audit = " ".join(f"{a.before} {a.after}" for a in uow.session.scalars(select(AuditEvent)))
    assert {r.token_hash for r in rows} == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    stored = " ".join(f"{r.token_hash} {r.user_id} {r.created_by}" for r in rows) + audit
    for t in tokens:
        assert t not in stored
    assert not any(r.token_hash in audit for r in rows)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "x" * 42,
        "x" * 44,
        "../../etc/passwd",
        "A" * 42 + "=",
        "Ä" * 43,
        "%00" * 15,
        "a b" * 14 + "c",
    ],
)
def test_malformed_tokens_find_nothing(any_services, programme, bad):
    cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE)
    assert fetch(any_services, bad) is None


def test_unknown_well_formed_token_finds_nothing(any_services, programme):
    real = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    forged = ("B" if real[0] != "B" else "C") + real[1:]
    assert fetch(any_services, forged) is None and fetch(any_services, real) is not None


def test_rotation_kills_every_earlier_programme_address_at_once(any_services, programme):
    mine = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    janes = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE))
    personal = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE, personal=True))
    assert fetch(any_services, mine) and fetch(any_services, janes)
    rotated = cal.rotate_feed(ADMIN, "C1", any_services.new_uow(), BASE)
    assert fetch(any_services, mine) is None and fetch(any_services, janes) is None
    assert fetch(any_services, token_of(rotated)) is not None
    assert (
        fetch(any_services, personal) is not None
    )  # personal addresses are their owners' to rotate
    assert len(rotated.turned_off) == 2
    with any_services.new_uow() as uow:
        actions = [
            a.action
            for a in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "calendar_feed")
            )
        ]
    assert actions.count("calendar.issue") == 4 and actions.count("calendar.rotate") == 1


def test_only_admins_rotate_the_programme_address_and_nothing_changes(any_services, programme):
    token = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE))
    with pytest.raises(Forbidden) as refused:
        cal.rotate_feed(JANE, "C1", any_services.new_uow(), BASE)
    assert "<@UADMIN>" in refused.value.message
    assert fetch(any_services, token) is not None
    with any_services.new_uow() as uow:
        assert len(uow.feeds.live(programme.id)) == 1


def test_personal_rotation_kills_only_the_askers_personal_addresses(any_services, programme):
    jane1 = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE, personal=True))
    bob = token_of(
        cal.issue_feed(Actor("T1", "UBOB"), "C1", any_services.new_uow(), BASE, personal=True)
    )
    jane2 = cal.rotate_feed(JANE, "C1", any_services.new_uow(), BASE, personal=True)
    assert fetch(any_services, jane1) is None
    assert fetch(any_services, bob) is not None and fetch(any_services, token_of(jane2)) is not None


def test_asking_again_keeps_earlier_addresses_up_to_the_limit(any_services, programme):
    first = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE))
    second = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE))
    fetch(any_services, first)  # the first is in use; the second never was
    for _ in range(cal.MAX_LIVE_PER_PERSON - 2):
        cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE)
    assert fetch(any_services, second) is not None  # 10 live: all still work
    with freeze_time(datetime.now(UTC) + timedelta(minutes=5)):
        fetch(any_services, second)
        latest = cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE)
    assert len(latest.turned_off) == 1
    with any_services.new_uow() as uow:
        assert len(uow.feeds.live(programme.id, cal.PROGRAMME, "UJANE")) == cal.MAX_LIVE_PER_PERSON
    # The least recently used one (never fetched) went; the two in use stayed.
    assert fetch(any_services, first) is not None and fetch(any_services, second) is not None


def test_no_programme_no_address(any_services):
    with pytest.raises(NoProgramme):
        cal.issue_feed(ADMIN, "CNONE", any_services.new_uow(), BASE)


def test_status_lists_live_addresses_with_their_fetches(any_services, programme):
    token = token_of(cal.issue_feed(JANE, "C1", any_services.new_uow(), BASE))
    cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE, personal=True)
    fetch(any_services, token)
    fetch(any_services, token)
    _, rows = cal.feed_status(ADMIN, "C1", any_services.new_uow())
    by_user = {(r.user_id, r.kind): r for r in rows}
    assert by_user[("UJANE", "programme")].fetch_count == 2
    assert by_user[("UJANE", "programme")].last_fetched_at is not None
    assert by_user[("UADMIN", "personal")].fetch_count == 0
    with pytest.raises(Forbidden):
        cal.feed_status(JANE, "C1", any_services.new_uow())


def test_vote_sequence_follows_its_audited_changes(any_services, programme):
    (v_id,) = add(
        any_services,
        Vote(
            programme_id=programme.id,
            question="Q?",
            opened_by="UADMIN",
            closes_at=datetime(2015, 3, 4, 17, tzinfo=UTC),
            opened_at=datetime(2015, 2, 1, tzinfo=UTC),
        ),
    )
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    open_ = parse_three(fetch(any_services, token).body)[uid(programme.id, "vote", v_id)]
    closed_at = datetime(2015, 3, 4, 17, 0, 30, tzinfo=UTC)
    with any_services.new_uow() as uow:
        v = uow.session.get(Vote, v_id)
        v.state, v.closed_at, v.closed_by = "closed", closed_at, "UADMIN"
        uow.audit.record(
            team_id="T1",
            programme_id=programme.id,
            actor="UADMIN",
            action="vote.close",
            entity="vote",
            entity_id=v_id,
            at=closed_at,
        )
        uow.commit()
    closed = parse_three(fetch(any_services, token).body)[uid(programme.id, "vote", v_id)]
    assert closed["sequence"] > open_["sequence"]
    assert closed["summary"].startswith("Vote closed:") and closed["start"] == closed_at.replace(
        microsecond=0
    )
    assert closed["dtstamp"] == closed_at


def test_a_programme_with_500_items(any_services, programme):
    rows = []
    for n in range(500):
        day = date(2014, 7, 1) + timedelta(days=n)
        if n % 2:
            rows.append(
                meeting(
                    programme,
                    day,
                    f"{9 + n % 8:02d}:30",
                    f"{10 + n % 8:02d}:30",
                    title=f"Meeting {n}",
                )
            )
        else:
            rows.append(
                Deadline(
                    programme_id=programme.id,
                    title=f"Deadline {n}",
                    due_on=day,
                    created_by="UADMIN",
                    created_at=datetime(2014, 5, 2, tzinfo=UTC),
                    updated_at=datetime(2014, 5, 2, tzinfo=UTC),
                )
            )
    baseline = shown_now(any_services)
    ids = add(any_services, *rows)
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    started = wallclock.perf_counter()
    feed = fetch(any_services, token)
    took = wallclock.perf_counter() - started
    events = parse_three(feed.body)
    assert len(events) == len(baseline) + 500
    for n, i in enumerate(ids):
        kind = "meeting" if n % 2 else "deadline"
        assert events[uid(programme.id, kind, i)]["start"].__class__ is (
            datetime if n % 2 else date
        )
    print(f"500-item feed: {len(feed.body):,} bytes in {took * 1000:.0f} ms")


def _list(value):
    return value if isinstance(value, list) else [value]


def _owners_line(feed, title: str) -> str:
    event = next(
        e for e in icalendar.Calendar.from_ical(feed.body).walk("VEVENT") if title in e["SUMMARY"]
    )
    return next(line for line in str(event["DESCRIPTION"]).splitlines() if "Owner" in line)


def test_owners_are_named_deactivated_marked_unknown_noted_and_a_rename_moves_the_etag(
    any_services, programme
):
    d_id, _ = add(
        any_services,
        meeting(programme, date(2015, 1, 5), "10:00", title="Locality board"),
        Duty(
            programme_id=programme.id,
            key="x:1",
            title="Statement of the HWBB's opinion",
            due_on=date(2015, 2, 4),
            owner_id="UGONE",
            created_at=datetime(2014, 5, 1, tzinfo=UTC),
            updated_at=datetime(2014, 5, 1, tzinfo=UTC),
        ),
    )
    add(
        any_services,
        DeadlineOwner(deadline_id=d_id, user_id="UJANE"),
        DeadlineOwner(deadline_id=d_id, user_id="UNOBODY"),
    )
    remember_people(
        any_services.new_uow(),
        "T1",
        [Person("UJANE", "jane", "Jane Patel"), Person("UGONE", "", "Sam Old", deleted=True)],
    )
    # Another workspace's directory is not this one's.
    remember_people(any_services.new_uow(), "T2", [Person("UNOBODY", "nobody", "Someone Else")])
    token = token_of(cal.issue_feed(ADMIN, "C1", any_services.new_uow(), BASE))
    first = fetch(any_services, token)
    assert _owners_line(first, "Locality board") == (
        "Owners: Jane Patel, UNOBODY (not yet looked up)"
    )
    assert _owners_line(first, "Statement") == "Owner: Sam Old (deactivated)"
    # Nothing changed: the cheap path answers with the same ETag, without reading the items.
    with any_services.new_uow() as uow:
        mark = uow.feeds.by_token_hash(cal.hash_token(token)).content_mark
    again = fetch(any_services, token)
    assert again.etag == first.etag
    with any_services.new_uow() as uow:
        assert uow.feeds.by_token_hash(cal.hash_token(token)).content_mark == mark
    # Slack says the same again: still nothing changed.
    remember_people(any_services.new_uow(), "T1", [Person("UJANE", "jane", "Jane Patel")])
    assert fetch(any_services, token).etag == first.etag
    with freeze_time("2030-01-01 12:00:00"):
        remember_people(any_services.new_uow(), "T1", [Person("UJANE", "jane", "Jane Smith")])
    renamed = fetch(any_services, token)
    assert renamed.etag != first.etag
    assert _owners_line(renamed, "Locality board").startswith("Owners: Jane Smith, ")


def test_fetches_are_counted_in_memory_and_written_in_batches_that_add_up(db_url):
    """Two app instances (two engines, two buffers) on one database: no fetch is a write on its
    own request, and every fetch is counted once written, whoever wrote it."""
    one = build_services(Settings(database_url=db_url))
    two = build_services(Settings(database_url=db_url))
    try:
        with freeze_time("2014-05-01 10:00:00"):
            setup_programme(ADMIN, "C1", "P", one.new_uow())
        token = token_of(cal.issue_feed(JANE, "C1", one.new_uow(), BASE))
        for _ in range(3):
            fetch(one, token)
        for _ in range(2):
            fetch(two, token)

        def written():
            with one.new_uow() as uow:
                row = uow.session.scalar(select(CalendarFeed))
                return row.fetch_count, row.last_fetched_at

        assert written() == (0, None)  # nothing written by the fetches themselves
        _, rows = cal.feed_status(ADMIN, "C1", one.new_uow())  # writes this instance's first
        assert rows[0].fetch_count == 3 and rows[0].last_fetched_at is not None
        two.new_uow.fetches.flush()
        assert written()[0] == 5
        fetch(two, token)  # and the background flush writes it within seconds, unprompted
        give_up = wallclock.monotonic() + 30
        while written()[0] != 6 and wallclock.monotonic() < give_up:
            wallclock.sleep(0.2)
        assert written()[0] == 6
    finally:
        one.engine.dispose()
        two.engine.dispose()


def test_a_kept_feed_is_data_and_holds_no_unit_of_work(db_url):
    """A feed another process built is read here only when sent; what this process keeps of it
    is the calendar's bytes and ETag, never its items nor the unit of work of the request that
    read it."""
    from storage.uow import UnitOfWork

    def holds_a_unit_of_work(value, depth=0) -> bool:
        if isinstance(value, UnitOfWork):
            return True
        if depth > 4:
            return False
        if hasattr(value, "__closure__") and value.__closure__:
            cells = [c.cell_contents for c in value.__closure__]
            return any(holds_a_unit_of_work(c, depth + 1) for c in cells)
        if hasattr(value, "__dict__"):
            return any(holds_a_unit_of_work(v, depth + 1) for v in vars(value).values())
        return False

    one = build_services(Settings(database_url=db_url))
    two = build_services(Settings(database_url=db_url))
    try:
        with freeze_time("2014-05-01 10:00:00"):
            setup_programme(ADMIN, "C1", "P", one.new_uow())
            token = token_of(cal.issue_feed(ADMIN, "C1", one.new_uow(), BASE))
            built = fetch(one, token)
            known = fetch(two, token)  # the mark another process stored: nothing read yet
            assert not known.rendered.ready and known.etag == built.etag
            assert known.body == built.body  # read with this request's unit of work when sent
            kept = fetch(two, token)  # what this process kept once it had read it
        assert kept.rendered.ready and kept.read is None and kept.body == built.body
        assert vars(kept.rendered)["_calendar"] is None  # the bytes, not the items
        assert not holds_a_unit_of_work(kept)
        assert holds_a_unit_of_work(known)  # the check can fail: the request's own reader holds one
    finally:
        one.engine.dispose()
        two.engine.dispose()
