"""The feed builder, checked with three independent iCalendar parsers (icalendar, vobject, ics)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import vobject

from bot.calendar_feed import CalendarItem, FeedInfo, build_calendar, channel_link, item_uid

UTC = UTC
INFO = FeedInfo("Hillingdon co-commissioning", "T1", "C123", 7, "Key dates")
STAMP = datetime(2014, 6, 1, 10, 30, tzinfo=UTC)


def _utc(value):
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "a timed event came out floating (no timezone)"
        return value.astimezone(UTC)
    return value


def parse_three(body: bytes) -> dict[str, dict]:
    """Parse with icalendar, vobject and ics; assert they agree; return {uid: event facts}.

    All-day events give dates; timed events give aware UTC datetimes.
    """
    text = body.decode("utf-8")
    # icalendar: no parse errors recorded on any component.
    cal = icalendar.Calendar.from_ical(body)
    for component in cal.walk():
        assert not component.errors, (component.name, component.errors)
    by_icalendar = {}
    for ev in cal.walk("VEVENT"):
        alarms = [a.get("TRIGGER").dt for a in ev.walk("VALARM")]
        by_icalendar[str(ev["UID"])] = {
            "summary": str(ev["SUMMARY"]),
            "start": _utc(ev["DTSTART"].dt),
            "end": _utc(ev["DTEND"].dt),
            "sequence": int(ev["SEQUENCE"]),
            "dtstamp": _utc(ev["DTSTAMP"].dt),
            "description": str(ev["DESCRIPTION"]),
            "alarm": alarms[0] if alarms else None,
            "location": str(ev["LOCATION"]) if "LOCATION" in ev else None,
        }
    # vobject, with its RFC checks.
    vcal = vobject.readOne(text)
    vcal.validate()
    by_vobject = {}
    for ev in getattr(vcal, "vevent_list", []):
        alarms = [a.trigger.value for a in getattr(ev, "valarm_list", [])]
        by_vobject[ev.uid.value] = {
            "summary": ev.summary.value,
            "start": _utc(ev.dtstart.value),
            "end": _utc(ev.dtend.value),
            "sequence": int(ev.sequence.value),
            "alarm": alarms[0] if alarms else None,
        }
    # ics (arrow-based, a third implementation).
    by_ics = {}
    for ev in ics.Calendar(text).events:
        if ev.all_day:
            start, end = ev.begin.date(), ev.end.date()
        else:
            start, end = ev.begin.datetime.astimezone(UTC), ev.end.datetime.astimezone(UTC)
        by_ics[ev.uid] = {"summary": ev.name, "start": start, "end": end}
    assert set(by_icalendar) == set(by_vobject) == set(by_ics)
    for uid, facts in by_icalendar.items():
        for key in ("summary", "start", "end", "sequence", "alarm"):
            assert by_vobject[uid][key] == facts[key], (uid, key)
        for key in ("summary", "start", "end"):
            assert by_ics[uid][key] == facts[key], (uid, key)
    return by_icalendar


def deadline(item_id=1, day=date(2014, 6, 20), **kw) -> CalendarItem:
    values = dict(
        kind="deadline", item_id=item_id, title=f"Deadline {item_id}", updated=STAMP, day=day
    )
    values.update(kw)
    return CalendarItem(**values)


def meeting(item_id=2, start=datetime(2014, 12, 9, 14, tzinfo=UTC), **kw) -> CalendarItem:
    values = dict(
        kind="meeting",
        item_id=item_id,
        title=f"Meeting {item_id}",
        updated=STAMP,
        start=start,
        end=start + timedelta(hours=2),
        busy=True,
    )
    values.update(kw)
    return CalendarItem(**values)


def test_calendar_properties_outlook_needs():
    body = build_calendar(INFO, [deadline()])
    text = body.decode()
    for line in (
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Hillingdon co-commissioning",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert f"\r\n{line}\r\n" in text
    assert "\r\nPRODID:" in text
    # A published calendar, not an invitation: no METHOD (which would need ORGANIZER on every event).
    assert "METHOD:" not in text


def test_crlf_line_endings_and_folding():
    long_title = "Expression of interest to NHS England, sections A–H; " * 6
    body = build_calendar(INFO, [deadline(title=long_title, details=("line one", "line two"))])
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
    parsed = parse_three(body)
    assert next(iter(parsed.values()))["summary"] == long_title


@pytest.mark.parametrize(
    "day", [date(2014, 6, 20), date(2014, 12, 31), date(2015, 2, 28), date(2016, 2, 29)]
)
def test_all_day_event_ends_the_next_day(day):
    body = build_calendar(INFO, [deadline(day=day)])
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}".encode() in body
    facts = parse_three(body)[item_uid(INFO, "deadline", 1)]
    assert facts["start"] == day and facts["end"] == day + timedelta(days=1)


def test_timed_events_are_written_in_utc_whatever_zone_they_come_in():
    london = ZoneInfo("Europe/London")
    before = datetime(2015, 3, 27, 9, 0, tzinfo=london)  # GMT
    after = datetime(2015, 3, 30, 9, 0, tzinfo=london)  # BST, after the 29 March 2015 change
    body = build_calendar(INFO, [meeting(1, before), meeting(2, after)])
    assert b"DTSTART:20150327T090000Z" in body and b"DTSTART:20150330T080000Z" in body
    assert b"VTIMEZONE" not in body and b"TZID" not in body
    facts = parse_three(body)
    assert facts[item_uid(INFO, "meeting", 1)]["start"] == datetime(2015, 3, 27, 9, tzinfo=UTC)
    assert facts[item_uid(INFO, "meeting", 2)]["start"] == datetime(2015, 3, 30, 8, tzinfo=UTC)
    assert facts[item_uid(INFO, "meeting", 2)]["end"] == datetime(2015, 3, 30, 10, tzinfo=UTC)


def test_a_timed_item_without_a_sensible_end_lasts_an_hour():
    start = datetime(2015, 3, 4, 17, tzinfo=UTC)
    facts = parse_three(
        build_calendar(INFO, [meeting(3, start, end=None), meeting(4, start, end=start)])
    )
    for n in (3, 4):
        assert facts[item_uid(INFO, "meeting", n)]["end"] == start + timedelta(hours=1)


def test_same_items_give_the_same_bytes_in_any_order():
    items = [deadline(1), meeting(2), deadline(3, day=date(2015, 1, 9))]
    assert build_calendar(INFO, items) == build_calendar(INFO, list(reversed(items)))


def test_uids_depend_only_on_what_the_item_is():
    one = parse_three(build_calendar(INFO, [deadline(1)]))
    many = parse_three(
        build_calendar(INFO, [meeting(9), deadline(1, title="Renamed"), deadline(5)])
    )
    uid = item_uid(INFO, "deadline", 1)
    assert uid in one and uid in many
    other_programme = FeedInfo("Other", "T1", "C9", 8)
    other_team = FeedInfo("Same", "T2", "C123", 7)
    uids = {
        item_uid(INFO, "deadline", 1),
        item_uid(other_programme, "deadline", 1),
        item_uid(other_team, "deadline", 1),
        item_uid(INFO, "meeting", 1),
        item_uid(INFO, "deadline", 2),
    }
    assert len(uids) == 5


def test_dtstamp_last_modified_and_sequence_come_from_the_item():
    changed = datetime(2015, 1, 2, 3, 4, 5, 999, tzinfo=UTC)
    body = build_calendar(INFO, [deadline(updated=changed, sequence=4)])
    assert b"DTSTAMP:20150102T030405Z" in body and b"LAST-MODIFIED:20150102T030405Z" in body
    facts = parse_three(body)[item_uid(INFO, "deadline", 1)]
    assert facts["sequence"] == 4 and facts["dtstamp"] == changed.replace(microsecond=0)


def test_text_with_commas_semicolons_and_newlines_survives():
    title = 'Board; papers, "draft" \\ plan'
    body = build_calendar(
        INFO,
        [
            meeting(
                title=title,
                place="Room 6, Civic Centre; Uxbridge",
                details=("First line", "Second, line"),
                owners=("U1", "U2"),
            )
        ],
    )
    facts = parse_three(body)[item_uid(INFO, "meeting", 2)]
    assert facts["summary"] == title
    assert facts["location"] == "Room 6, Civic Centre; Uxbridge"
    assert facts["description"].splitlines()[:3] == [
        "First line",
        "Second, line",
        "Owners: @U1, @U2",
    ]


def test_description_links_back_to_the_channel():
    facts = parse_three(build_calendar(INFO, [deadline(owners=("U42",))]))[
        item_uid(INFO, "deadline", 1)
    ]
    link = channel_link("T1", "C123")
    assert link == "https://slack.com/app_redirect?channel=C123&team=T1"
    assert f"In Slack: {link}" in facts["description"]
    assert "Owner: @U42" in facts["description"]


def test_alarm_is_written_relative_to_the_start():
    trigger = -timedelta(days=14) + timedelta(hours=9)
    facts = parse_three(build_calendar(INFO, [deadline(alarm=trigger), deadline(2)]))
    assert facts[item_uid(INFO, "deadline", 1)]["alarm"] == trigger
    assert facts[item_uid(INFO, "deadline", 2)]["alarm"] is None


def test_an_empty_calendar_is_still_valid():
    body = build_calendar(FeedInfo("Empty", "T1", "C1", 1), [])
    assert parse_three(body) == {}
    assert b"X-WR-CALNAME:Empty" in body


def test_items_must_be_all_day_or_timed_with_aware_times():
    with pytest.raises(ValueError):
        CalendarItem(kind="deadline", item_id=1, title="x", updated=STAMP)
    with pytest.raises(ValueError):
        CalendarItem(
            kind="meeting", item_id=1, title="x", updated=STAMP, start=datetime(2015, 1, 1, 9)
        )
    with pytest.raises(ValueError):
        CalendarItem(
            kind="deadline",
            item_id=1,
            title="x",
            updated=datetime(2015, 1, 1),
            day=date(2015, 1, 1),
        )


def test_lines_are_folded_exactly_as_icalendar_folds_them():
    """build_calendar folds lines itself (icalendar's folding is slow): the same bytes, whatever
    the text, escapes at a fold and characters of several octets included."""
    import random

    from icalendar.parser.string import _foldline

    from bot.calendar_feed import fold

    rng = random.Random(5545)
    alphabet = "abc ,;:\\^néé€😀" + "x" * 20
    lines = ["", "a" * 74, "a" * 75, "a" * 148, "a" * 149]
    lines += ["a" * n + "\\" + "b" * m for n in range(70, 80) for m in (0, 1, 80)]
    lines += ["a" * n + "^" + "b" * 100 for n in range(140, 150)]
    lines += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(400))) for _ in range(3000)]
    lines += ["".join(rng.choice("ab\\^") for _ in range(rng.randrange(400))) for _ in range(2000)]
    for line in lines:
        assert fold(line) == _foldline(line), line


def test_the_feed_is_byte_for_byte_what_icalendar_writes(monkeypatch):
    from icalendar.parser.string import _foldline

    import bot.calendar_feed as feed_module

    items = [
        deadline(1, title="Deadline: " + "a long title, with; escapes\\ and é " * 6),
        meeting(2, place="Room 1 " * 20, details=("x" * 73 + "\\n", "€" * 40)),
        deadline(3, owners=("U1", "U2"), owner_names=("Ann Example", "Bob Émile")),
    ]
    made = []

    class Kept(icalendar.Calendar):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(feed_module, "Calendar", Kept)
    ours = build_calendar(INFO, items)
    assert made[0].to_ical() == ours  # what icalendar itself writes for the same calendar
    monkeypatch.setattr(feed_module, "fold", _foldline)
    assert build_calendar(INFO, items) == ours
