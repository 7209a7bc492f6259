"""The digest's pure rules: schedule, exact window, headline, templates, Block Kit limits."""

from datetime import UTC, date, datetime, timedelta

import pytest
from jinja2 import UndefinedError

from blocks.digest import (
    RenderedDigest,
    RenderedSection,
    digest_messages,
    ephemeral_messages,
    render_digest,
)
from blocks.kit import MAX_BLOCKS, MAX_HEADER, MAX_MESSAGE_CHARS, MAX_SECTION, section_chunks
from bot import digest
from bot.coverage import NotEngaged, TypeCoverage
from bot.digest import (
    DUE,
    MISSED,
    NOT_YET,
    OFF,
    Digest,
    PositionChange,
    Schedule,
    UpcomingDeadline,
    local_at,
    scheduled_this_week,
    status,
    week_of,
    window_before,
)
from bot.rendering import render

UTC = UTC
LONDON = "Europe/London"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# -- when ---------------------------------------------------------------------------------------


def test_default_schedule_is_monday_0900_local_in_summer_and_winter():
    s = Schedule(timezone=LONDON)
    # Winter: 09:00 GMT is 09:00 UTC. Summer: 09:00 BST is 08:00 UTC.
    assert scheduled_this_week(s, utc(2015, 1, 8, 12)) == utc(2015, 1, 5, 9)
    assert scheduled_this_week(s, utc(2015, 6, 10, 12)) == utc(2015, 6, 8, 8)


def test_the_week_is_the_local_week():
    s = Schedule(weekday=6, time="23:30", timezone=LONDON)
    # Sunday 23:30 BST is Sunday 22:30 UTC; at Sunday 23:10 UTC it is already Monday 00:10 in London.
    assert scheduled_this_week(s, utc(2015, 6, 14, 22, 40)) == utc(2015, 6, 14, 22, 30)
    assert scheduled_this_week(s, utc(2015, 6, 14, 23, 10)) == utc(2015, 6, 21, 22, 30)


def test_window_is_exactly_the_seven_local_days_before_across_spring_forward():
    # Clocks went forward on Sunday 29 March 2015: that week is 167 hours long.
    end = local_at(date(2015, 3, 30), "09:00", LONDON)
    w = window_before(end, LONDON)
    assert w.start == utc(2015, 3, 23, 9) and w.end == utc(2015, 3, 30, 8)
    assert w.end - w.start == timedelta(hours=167)
    assert w.contains(utc(2015, 3, 23, 9)) and w.contains(utc(2015, 3, 30, 7, 59, 59))
    assert not w.contains(utc(2015, 3, 23, 8, 59, 59)) and not w.contains(utc(2015, 3, 30, 8))


def test_window_across_fall_back_is_169_hours_and_windows_chain_without_gap_or_overlap():
    s = Schedule(timezone=LONDON)
    mondays = [scheduled_this_week(s, utc(2015, 10, 12, 12) + timedelta(weeks=i)) for i in range(4)]
    windows = [window_before(m, LONDON) for m in mondays]
    assert windows[2].end - windows[2].start == timedelta(hours=169)  # the week of 25 October
    for before, after in zip(windows, windows[1:]):
        assert before.end == after.start


def test_status_due_all_of_that_local_day_then_missed():
    s = Schedule(timezone=LONDON)  # Monday 09:00
    assert status(s, utc(2015, 1, 5, 8, 59)) == NOT_YET
    assert status(s, utc(2015, 1, 5, 9, 0)) == DUE
    assert status(s, utc(2015, 1, 5, 23, 59)) == DUE
    assert status(s, utc(2015, 1, 6, 0, 0)) == MISSED
    assert status(s, utc(2015, 1, 11, 23, 0)) == MISSED  # Sunday: still this week, still missed
    assert status(s, utc(2015, 1, 12, 8, 0)) == NOT_YET  # next week
    assert status(Schedule(enabled=False), utc(2015, 1, 5, 10)) == OFF


def test_week_key_follows_the_scheduled_local_date():
    assert week_of(local_at(date(2015, 3, 30), "09:00", LONDON)) == "2015-W14"
    assert week_of(local_at(date(2014, 12, 29), "09:00", LONDON)) == "2015-W01"


def test_a_time_inside_the_spring_gap_still_happens_once_that_day():
    at = local_at(date(2015, 3, 29), "01:30", LONDON)  # 01:00-02:00 does not exist that day
    assert at.date() == date(2015, 3, 29) and at.astimezone(UTC) == utc(2015, 3, 29, 1, 30)


@pytest.mark.parametrize(
    "text,day", [("monday", 0), ("Tue", 1), ("weds", 2), ("thurs", 3), ("SUN", 6)]
)
def test_weekdays_are_read_loosely(text, day):
    assert digest.parse_weekday(text) == day


def test_unknown_weekday_is_none():
    assert digest.parse_weekday("blursday") is None


# -- what ---------------------------------------------------------------------------------------


def _digest(**kw) -> Digest:
    end = local_at(date(2015, 3, 2), "09:00", LONDON)
    return Digest(
        "Hillingdon <CCG> & co", LONDON, window_before(end, LONDON), date(2015, 3, 2), **kw
    )


def _practices(n_never, n_stale=0):
    missing = [NotEngaged(i, f"Practice {i}", f"E{i:05d}", None) for i in range(n_never)]
    missing += [NotEngaged(100 + i, f"Old {i}", None, date(2014, 12, 1)) for i in range(n_stale)]
    return TypeCoverage("practice", "Member practices", 40 - len(missing), missing)


def test_headline_names_practices_not_engaged_vote_and_overdue():
    class Tally:
        class deciding:
            turnout_percent = 45.2

    vote = digest.VoteStanding("Q", utc(2015, 3, 4, 17), 6, Tally(), None)
    d = _digest(
        not_engaged=[_practices(12)],
        votes=[vote],
        overdue_actions=[digest.Overdue("action", 1, "t", "U1", date(2015, 2, 1), 20)],
    )
    assert (
        digest.headline(d)
        == "12 practices not yet engaged; vote closes in 6 working days; turnout 45%; 1 overdue"
    )
    late_vote = digest.VoteStanding("Q", utc(2015, 2, 4, 17), -3, Tally(), None)
    assert (
        digest.headline(_digest(votes=[late_vote]))
        == "Vote past its closing day, closing now; turnout 45%"
    )
    d = _digest(not_engaged=[_practices(2, 3)])
    assert digest.headline(d) == "5 practices not engaged in 30 days"
    d = _digest(deadlines=[UpcomingDeadline("EoI", "deadline", date(2015, 3, 3), None, 1)])
    assert digest.headline(d) == "Next deadline in 1 working day"
    assert digest.headline(_digest()) == "A quiet week: nothing logged and nothing due"


def test_position_changes_compare_the_window_start_with_its_end():
    w = window_before(utc(2015, 3, 2, 9), LONDON)
    inside, before = utc(2015, 2, 28, 12), utc(2015, 2, 20, 12)
    rows = [
        (1, date(2015, 2, 20), before, 10, "undecided"),
        (1, date(2015, 2, 27), inside, 11, "support"),  # changed
        (2, date(2015, 2, 20), before, 12, "oppose"),
        (2, date(2015, 2, 27), inside, 13, "oppose"),  # same
        (3, date(2015, 2, 27), inside, 14, "oppose"),  # first position
        # Logged this week but backdated before the later position: the position stays support.
        (4, date(2015, 2, 25), before, 15, "support"),
        (4, date(2015, 2, 1), inside, 16, "oppose"),
        (
            5,
            date(2015, 2, 27),
            utc(2015, 3, 2, 9),
            17,
            "oppose",
        ),  # logged at the window's end: next week
    ]
    names = {i: (f"S{i}", None, "practice") for i in range(1, 6)}
    got = digest.position_changes(rows, w, names)
    assert [(c.name, c.before, c.after) for c in got] == [
        ("S3", None, "oppose"),
        ("S1", "undecided", "support"),
    ]


# -- templates ----------------------------------------------------------------------------------


def test_templates_fail_on_a_missing_variable():
    with pytest.raises(UndefinedError):
        render("digest/engagement.j2")
    with pytest.raises(UndefinedError):
        render(
            "digest/deadlines.j2",
            d=_digest(deadlines=[UpcomingDeadline("x", "deadline", date(2015, 3, 3), None, 1)]),
        )  # no days_left


def test_user_text_is_escaped_in_every_section():
    d = _digest(
        engagements=1,
        activity=[digest.TypeActivity("practice", 1, 1)],
        top_loggers=[("U1", 1)],
        position_changes=[PositionChange("<!channel> & Co", "E1", "practice", None, "oppose")],
        not_engaged=[
            TypeCoverage(
                "practice", "Member practices", 0, [NotEngaged(1, "<@U999> Surgery", None, None)]
            )
        ],
        deadlines=[
            UpcomingDeadline("<http://x|click>", "deadline", date(2015, 3, 3), None, 1, ["U2"])
        ],
        overdue_actions=[digest.Overdue("action", 1, "Ring <!here>", "U1", date(2015, 2, 1), 20)],
    )
    r = render_digest(d)
    text = "\n".join(s.text for s in r.sections)
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; Co" in text
    assert "<@U999>" not in text and "<http" not in text and "<!here>" not in text
    assert [s.key for s in r.sections] == [
        "engagement",
        "not_engaged",
        "deadlines",
        "overdue",
    ]  # empty ones out
    assert (
        r.title == "Weekly digest: Hillingdon <CCG> & co"
    )  # a plain-text header shows text as typed


def test_provisional_dates_are_marked_and_overdue_duties_come_grouped_by_kind():
    d = Digest(
        "P",
        LONDON,
        window_before(datetime(2027, 1, 11, 9, tzinfo=UTC), LONDON),
        date(2027, 1, 11),
        deadlines=[
            UpcomingDeadline("Member vote", "deadline", date(2027, 3, 4), None, 37, [], True),
            UpcomingDeadline("Board meeting", "deadline", date(2027, 2, 4), None, 18, [], False),
        ],
        overdue_duties=[
            digest.Overdue(
                "duty", 3, "Draft plan", None, date(2027, 1, 8), 1, True, "Statutory duties"
            ),
            digest.Overdue(
                "duty", 4, "Opinion", None, date(2027, 1, 8), 1, False, "Statutory duties"
            ),
            digest.Overdue(
                "duty", 7, "Committee", None, date(2027, 1, 8), 1, True, "National guidance"
            ),
        ],
    )
    sections = {s.key: s.text for s in render_digest(d).sections}
    lines = sections["deadlines"].splitlines()
    assert any("Thu 4 Mar 2027 _(provisional: date to confirm)_" in x for x in lines)
    assert not any("Thu 4 Feb 2027 _(provisional" in x for x in lines)
    overdue = sections["overdue"]
    assert overdue.index("_Statutory duties_") < overdue.index("#3 Draft plan")
    assert overdue.index("#4 Opinion") < overdue.index("_National guidance_")
    assert overdue.index("_National guidance_") < overdue.index("#7 Committee")
    assert overdue.count("_Statutory duties_") == 1
    assert "#3 Draft plan, due Fri 8 Jan 2027 (provisional)" in overdue
    assert "#4 Opinion, due Fri 8 Jan 2027 (" in overdue


# -- Block Kit limits -----------------------------------------------------------------------------


def _big(sections=6, lines=400, width=90, title="T" * 400) -> RenderedDigest:
    return RenderedDigest(
        title,
        "Headline",
        [
            RenderedSection(
                f"s{i}",
                f"*Section {i}*\n"
                + "\n".join(f"• item {i}-{n} " + "x" * width for n in range(lines)),
            )
            for i in range(sections)
        ],
        ["footer"],
    )


def _check_limits(messages):
    for m in messages:
        assert len(m.blocks) <= MAX_BLOCKS
        assert (
            sum(len(b["text"]["text"]) for b in m.blocks if b["type"] in ("section", "header"))
            <= MAX_MESSAGE_CHARS
        )
        for b in m.blocks:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= MAX_SECTION
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= MAX_HEADER


def test_a_long_digest_is_split_into_a_thread_and_nothing_is_cut():
    rendered = _big()
    messages = digest_messages(rendered)
    _check_limits(messages)
    assert len(messages) > 5
    everything = "\n".join(
        b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"
    )
    for i in range(6):
        for n in range(400):
            assert everything.count(f"• item {i}-{n} ") == 1
    assert "Continued in the thread" in messages[0].blocks[-1]["elements"][0]["text"]
    assert f"part 2 of {len(messages)}" in messages[1].blocks[0]["elements"][0]["text"]
    assert messages[0].blocks[0]["type"] == "header"


def test_many_short_sections_respect_the_block_count():
    rendered = RenderedDigest(
        "T", "H", [RenderedSection(f"s{i}", f"*S{i}*\nline") for i in range(120)], []
    )
    messages = digest_messages(rendered)
    _check_limits(messages)
    assert len(messages) >= 3
    assert (
        sum(1 for m in messages for b in m.blocks if b["type"] == "section") == 121
    )  # headline + 120


def test_a_short_digest_is_one_message_without_thread_notes():
    messages = digest_messages(RenderedDigest("T", "H", [RenderedSection("a", "*A*\nx")], ["f"]))
    assert len(messages) == 1
    assert [b["type"] for b in messages[0].blocks] == [
        "header",
        "section",
        "divider",
        "section",
        "context",
    ]


def test_a_line_longer_than_a_section_is_broken_not_cut():
    line = " ".join(f"w{n}" for n in range(2000))  # ~11,000 characters, no newline
    chunks = section_chunks("*Title*\n" + line)
    assert all(len(c) <= MAX_SECTION for c in chunks) and len(chunks) >= 4
    words = " ".join(c.split("\n", 1)[1] for c in chunks).split()
    assert words == line.split()


def test_ephemeral_replies_stop_at_five_and_say_so():
    messages = digest_messages(_big())
    shown = ephemeral_messages(messages)
    assert len(shown) == 5
    assert "do not fit in a reply" in shown[-1].blocks[-1]["elements"][0]["text"]
    assert len(shown[-1].blocks) <= MAX_BLOCKS
