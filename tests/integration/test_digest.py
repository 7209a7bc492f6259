"""The weekly digest on real databases: the sweep under a shifted clock, restarts, catch-up,
the exact window across a clock change, a 600-stakeholder programme, roll-ups."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date

import pytest
from freezegun import freeze_time

import jobs
import jobs.digests
from blocks.digest import render_content
from blocks.kit import MAX_BLOCKS, MAX_HEADER, MAX_MESSAGE_CHARS, MAX_SECTION
from bot import clock
from bot.context import Actor
from bot.errors import Conflict, Forbidden
from bot.services import digests, engagements, programmes, stakeholders
from bot.settings import Settings
from handlers.console import blocks_text
from storage.models import AuditEvent, Delivery
from tests.harness import build_services

ADMIN = Actor("T1", "UADMIN")
OTHER = Actor("T1", "UOTHER")
UTC = UTC


class SlackChannels:
    """A stand-in Messenger that keeps what the bot posted, and can refuse the next posts."""

    def __init__(self):
        self.posts: list[dict] = []
        self.refuse = 0
        self._ts = 0

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        if self.refuse:
            self.refuse -= 1
            raise ConnectionError("Slack did not answer")
        self._ts += 1
        ts = f"{1_400_000_000 + self._ts}.000100"
        key = (metadata or {}).get("event_payload", {}).get("key")
        self.posts.append(
            dict(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, key=key, ts=ts)
        )
        return ts

    def dm(self, user, text, blocks=None, *, metadata=None):
        return self.post(user, text, blocks, metadata=metadata)

    def find_delivery(self, channel, key):
        return next(
            (p["ts"] for p in self.posts if p["channel"] == channel and p["key"] == key), None
        )

    def digests(self, channel=None) -> list[dict]:
        return [
            p
            for p in self.posts
            if (p["key"] or "").startswith("digest")
            and p["thread_ts"] is None
            and (channel is None or p["channel"] == channel)
        ]

    def thread(self, parent: dict) -> list[dict]:
        return [p for p in self.posts if p["thread_ts"] == parent["ts"]]


@pytest.fixture(autouse=True)
def no_spacing(monkeypatch):
    monkeypatch.setattr(jobs.digests, "POST_SPACING_SECONDS", 0)


def sweep_at(db_url, when: str, slack: SlackChannels) -> None:
    """A freshly started app (new services on the same database) running one scheduler tick at `when` (UTC)."""
    with freeze_time(when):
        svc = build_services(Settings(database_url=db_url))
        svc = replace(svc, messenger_for_team=lambda team_id: slack)
        try:
            jobs.run_sweeps(svc, clock.now())
        finally:
            svc.engine.dispose()


def make_programme(svc, channel="C1", name="Hillingdon CCG", when="2015-03-16 12:00"):
    with freeze_time(when):
        programme, _ = programmes.setup_programme(ADMIN, channel, name, svc.new_uow())
    return programme


def text_of(post: dict) -> str:
    return blocks_text(post["blocks"])


def test_posted_once_a_week_through_the_sweep_with_restarts_and_a_clock_change(db_url):
    svc = build_services(Settings(database_url=db_url))
    programme = make_programme(svc)
    svc.engine.dispose()
    slack = SlackChannels()
    expected = [
        ("2015-03-23 08:59:00", 0),  # Monday 08:59 GMT: not yet
        ("2015-03-23 09:00:20", 1),  # 09:00 GMT: posted
        ("2015-03-23 09:01:20", 1),  # restarted a minute later: not again
        ("2015-03-23 16:00:00", 1),
        ("2015-03-24 09:00:20", 1),  # Tuesday
        ("2015-03-29 23:30:00", 1),  # Sunday night, after the clocks went forward
        ("2015-03-30 07:59:30", 1),  # Monday 08:59 BST
        ("2015-03-30 08:00:20", 2),  # Monday 09:00 BST is 08:00 UTC
        ("2015-03-30 09:00:20", 2),  # 10:00 BST: still once
    ]
    for when, count in expected:
        sweep_at(db_url, when, slack)
        assert len(slack.digests()) == count, when
    assert [p["key"] for p in slack.digests()] == [
        f"digest:2015-W13:{programme.id}",
        f"digest:2015-W14:{programme.id}",
    ]
    assert all(p["channel"] == "C1" for p in slack.digests())
    svc = build_services(Settings(database_url=db_url))
    with svc.new_uow() as uow:
        rows = [r for r in uow.deliveries.all_for(programme.id, "digest") if r.key.count(":") == 2]
        assert [(r.state, r.late) for r in rows] == [("sent", False), ("sent", False)]
    svc.engine.dispose()


def test_a_missed_digest_is_posted_late_the_same_day_and_never_the_next(db_url):
    svc = build_services(Settings(database_url=db_url))
    programme = make_programme(svc)
    svc.engine.dispose()
    slack = SlackChannels()
    # Down at 09:00 on Monday 5 January; back at 15:00: posted, marked late.
    sweep_at(db_url, "2015-01-05 15:00:00", slack)
    assert len(slack.digests()) == 1
    assert "Posted late" in text_of(slack.digests()[0])
    # Down all of Monday 12 January; back on Tuesday: that week's digest waits for the next week.
    sweep_at(db_url, "2015-01-13 10:00:00", slack)
    sweep_at(db_url, "2015-01-18 20:00:00", slack)
    assert len(slack.digests()) == 1
    sweep_at(db_url, "2015-01-19 09:00:30", slack)
    assert [p["key"] for p in slack.digests()] == [
        f"digest:2015-W02:{programme.id}",
        f"digest:2015-W04:{programme.id}",
    ]
    assert "Posted late" not in text_of(slack.digests()[1])


def test_the_window_is_exact_across_the_clock_change(db_url):
    """Each engagement is reported in exactly one weekly digest, decided by when it was logged."""
    svc = build_services(Settings(database_url=db_url))
    make_programme(svc)
    for code in ("E1", "E2", "E3", "E4"):
        stakeholders.add_stakeholder(
            ADMIN, "C1", "practice", f"Practice {code}", svc.new_uow(), code=code
        )
    logged = {
        "E1": "2015-03-23 08:59:59",  # 08:59:59 GMT Monday 23 March: the week before
        "E2": "2015-03-23 09:00:00",  # 09:00 GMT: first instant of the week to 30 March
        "E3": "2015-03-30 07:59:59",  # 08:59:59 BST: last instant of that week (a 167-hour week)
        "E4": "2015-03-30 08:00:00",  # 09:00 BST: the next week's
    }
    for code, when in logged.items():
        with freeze_time(when):
            engagements.log_engagement(ADMIN, "C1", [code], "call", f"Rang {code}", svc.new_uow())
    svc.engine.dispose()
    slack = SlackChannels()
    for monday in ("2015-03-23 09:00:30", "2015-03-30 08:00:30", "2015-04-06 08:00:30"):
        sweep_at(db_url, monday, slack)
    texts = [text_of(p) for p in slack.digests()]
    assert len(texts) == 3
    assert (
        "1 engagement logged" in texts[0] and "Practice E1" not in texts[0].split("Not engaged")[0]
    )
    assert "2 engagements logged" in texts[1]
    assert "1 engagement logged" in texts[2]
    assert "Covers Mon 23 Mar 2015 09:00 to Mon 30 Mar 2015 09:00 (Europe/London)" in texts[1]


def _big_programme(svc, n=600):
    """600 stakeholders, each given a position this week, and 300 overdue follow-up actions."""
    programme = make_programme(svc, when="2015-01-01 12:00")
    with freeze_time("2015-03-04 12:00"):
        with svc.new_uow() as uow:
            made = [
                uow.stakeholders.create(
                    programme_id=programme.id,
                    type="practice" if i < 550 else "other",
                    name=f"Practice number {i:03d} & partners",
                    code=f"E{i:05d}",
                )
                for i in range(n)
            ]
            positions = ["support", "oppose", "undecided", "neutral"]
            for i, s in enumerate(made):
                uow.engagements.create(
                    [s.id],
                    programme_id=programme.id,
                    kind="meeting",
                    summary="visit",
                    occurred_on=date(2015, 3, 4),
                    position=positions[i % 4],
                    logged_by="U1",
                    logged_at=clock.now(),
                )
            for i in range(300):
                uow.actions.create(
                    programme_id=programme.id,
                    title=f"Follow-up action {i:03d} for the LMC",
                    owner_id="U2",
                    due_on=date(2015, 2, 2),
                    state="open",
                    created_by="U1",
                )
            uow.commit()
    return programme


def _limits(post):
    blocks = post["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    texts = [b["text"]["text"] for b in blocks if b["type"] in ("section", "header")]
    assert sum(map(len, texts)) <= MAX_MESSAGE_CHARS
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= MAX_SECTION
        elif b["type"] == "header":
            assert len(b["text"]["text"]) <= MAX_HEADER


def test_a_600_stakeholder_programme_stays_within_slack_limits_in_a_thread(sqlite_url):
    svc = build_services(Settings(database_url=sqlite_url))
    _big_programme(svc)
    svc.engine.dispose()
    slack = SlackChannels()
    sweep_at(sqlite_url, "2015-03-09 09:00:30", slack)
    [main] = slack.digests()
    thread = slack.thread(main)
    assert len(thread) >= 2
    for post in [main] + thread:
        _limits(post)
    everything = "\n".join(text_of(p) for p in [main] + thread)
    for i in range(300):  # nothing cut: every overdue action, once
        assert everything.count(f"Follow-up action {i:03d} for the LMC") == 1
    assert everything.count("&amp; partners* (E") == 600  # every position change, escaped
    assert "Position changes (600)" in everything
    assert "600 engagements logged" in text_of(main)
    sweep_at(sqlite_url, "2015-03-09 09:01:30", slack)
    assert len(slack.posts) == 1 + len(thread)


def test_a_thread_interrupted_by_slack_is_finished_by_the_next_sweep_without_repeating(sqlite_url):
    svc = build_services(Settings(database_url=sqlite_url))
    _big_programme(svc)
    svc.engine.dispose()
    slack = SlackChannels()
    calls = {"n": 0}
    real_post = slack.post

    def flaky(channel, text, blocks=None, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionError("Slack went away mid-thread")
        return real_post(channel, text, blocks, **kw)

    slack.post = flaky
    sweep_at(sqlite_url, "2015-03-09 09:00:30", slack)
    assert len(slack.posts) == 2  # the digest and its first reply
    sweep_at(sqlite_url, "2015-03-09 09:01:30", slack)
    [main] = slack.digests()
    keys = [p["key"] for p in slack.thread(main)]
    assert len(keys) == len(set(keys)) >= 2 and len(slack.posts) == 1 + len(keys)
    assert keys == sorted(keys, key=lambda k: int(k.rsplit("part", 1)[1]))
    posted = len(slack.posts)
    # Even on a later day of the week, an unfinished thread is finished (the digest itself is not re-posted).
    sweep_at(sqlite_url, "2015-03-10 09:00:30", slack)
    assert len(slack.posts) == posted


def test_schedule_change_is_audited_and_a_week_still_gets_one_digest(any_services):
    programme = make_programme(any_services)
    with pytest.raises(Forbidden, match="Only the programme's admins"):
        digests.schedule_digest(OTHER, "C1", 2, "10:00", any_services.new_uow())
    slack = SlackChannels()
    any_services = replace(any_services, messenger_for_team=lambda team: slack)
    with freeze_time("2015-03-16 09:00:30"):  # Monday
        jobs.run_sweeps(any_services, clock.now())
    with freeze_time("2015-03-16 12:00"):
        settings = digests.schedule_digest(ADMIN, "C1", 2, "10:00", any_services.new_uow())
    assert settings.next_at.strftime("%a %d %b %H:%M") == "Wed 25 Mar 10:00"
    with freeze_time("2015-03-18 10:00:30"):  # Wednesday of the same week: already had its digest
        jobs.run_sweeps(any_services, clock.now())
    assert len(slack.digests()) == 1
    with freeze_time("2015-03-23 09:00:30"):  # Monday: no longer the day
        jobs.run_sweeps(any_services, clock.now())
    with freeze_time("2015-03-25 10:00:30"):
        jobs.run_sweeps(any_services, clock.now())
    assert len(slack.digests()) == 2
    with freeze_time("2015-03-26 12:00"):
        digests.stop_digest(ADMIN, "C1", any_services.new_uow())
        with pytest.raises(Conflict, match="already off"):
            digests.stop_digest(ADMIN, "C1", any_services.new_uow())
    with freeze_time("2015-04-01 10:00:30"):
        jobs.run_sweeps(any_services, clock.now())
    assert len(slack.digests()) == 2
    with any_services.new_uow() as uow:
        actions = [
            e.action for e in uow.session.query(AuditEvent).filter_by(programme_id=programme.id)
        ]
    assert actions.count("digest.schedule") == 1 and actions.count("digest.off") == 1


def test_digest_now_changes_nothing(any_services):
    make_programme(any_services)
    stakeholders.add_stakeholder(
        ADMIN, "C1", "lmc", "Londonwide LMCs", any_services.new_uow(), code="LMC1"
    )
    with freeze_time("2015-03-18 12:00"):
        shown = [
            render_content(s.content)
            for s in digests.show_digest(OTHER, "C1", any_services.new_uow())
        ]
    assert len(shown) == 1 and shown[0].title == "Weekly digest: Hillingdon CCG"
    assert "1 of 1 not engaged" in shown[0].sections[1].text
    with any_services.new_uow() as uow:
        assert uow.session.query(Delivery).count() == 0
        assert uow.programmes.by_channel("T1", "C1").digest_weekday == 0


def test_digest_now_is_composed_once_until_the_programme_or_its_week_changes(
    any_services, monkeypatch
):
    """Kept per revision and day, and never shown stale: a write, the day turning, or the
    week's earliest engagement leaving the 7 days before now each compose it afresh."""
    make_programme(any_services)
    stakeholders.add_stakeholder(
        ADMIN, "C1", "lmc", "Londonwide LMCs", any_services.new_uow(), code="LMC1"
    )
    composed = []
    real = digests.compose
    monkeypatch.setattr(
        digests,
        "compose",
        lambda uow, p, w, as_of, *a: composed.append(w) or real(uow, p, w, as_of, *a),
    )

    def shown():
        [s] = digests.show_digest(OTHER, "C1", any_services.new_uow())
        return render_content(s.content)

    def week(text):
        return next(x.text for x in text.sections if x.key == "engagement")

    with freeze_time("2015-03-11 09:00"):
        engagements.log_engagement(
            ADMIN, "C1", ["LMC1"], "meeting", "Talked it through", any_services.new_uow()
        )
    with freeze_time("2015-03-18 08:00"):
        first = shown()
        assert "1 engagement" in week(first) and len(composed) == 1
    with freeze_time("2015-03-18 08:59"):
        again = shown()
        assert len(composed) == 1 and again.sections == first.sections
    with freeze_time("2015-03-18 09:01"):  # last Wednesday's meeting has left the week
        assert "Nothing was logged" in week(shown()) and len(composed) == 2
    with freeze_time("2015-03-18 09:02"):
        shown()
        assert len(composed) == 2
        stakeholders.add_stakeholder(
            ADMIN, "C1", "practice", "Acorn Surgery", any_services.new_uow(), code="E85001"
        )
    with freeze_time("2015-03-18 09:03"):
        after = shown()
        assert len(composed) == 3
        assert any("Acorn Surgery (E85001): never engaged" in x.text for x in after.sections)
    with freeze_time("2015-03-19 09:00"):
        shown()
        assert len(composed) == 4


def test_a_channel_following_several_programmes_gets_one_rollup(any_services):
    from storage.models import Duty

    slack = SlackChannels()
    any_services = replace(any_services, messenger_for_team=lambda team: slack)
    made = [
        make_programme(any_services, f"C{i}", f"CCG {name}")
        for i, name in enumerate(["Brent", "Harrow", "Ealing"])
    ]
    with freeze_time("2015-03-10 12:00"):
        for i, p in enumerate(made):
            for n in range(4):
                stakeholders.add_stakeholder(
                    ADMIN,
                    p.channel_id,
                    "practice",
                    f"P{i}{n}",
                    any_services.new_uow(),
                    code=f"E{i}{n}",
                )
            for n in range(i + 1):  # Brent 1 of 4 engaged, Harrow 2, Ealing 3
                engagements.log_engagement(
                    ADMIN, p.channel_id, [f"E{i}{n}"], "call", "rang", any_services.new_uow()
                )
        with any_services.new_uow() as uow:
            uow.deadlines.create(
                programme_id=made[0].id,
                title="Expression of interest",
                due_on=date(2015, 3, 20),
                created_by="UADMIN",
            )
            uow.session.add(
                Duty(programme_id=made[1].id, key="k1", title="Consult the HWBB", state="open")
            )
            uow.session.add(
                Duty(programme_id=made[1].id, key="k2", title="Invite Healthwatch", state="open")
            )
            uow.commit()
        from bot.services import votes as vote_service

        vote_service.open_vote(
            ADMIN,
            "C1",
            "Delegated commissioning?",
            any_services.new_uow(),
            closes_on=date(2015, 3, 24),
        )  # Harrow's
        vote_service.record_ballot(ADMIN, "C1", "E10", "for", any_services.new_uow())
        vote_service.record_ballot(ADMIN, "C1", "E11", "against", any_services.new_uow())
        for p in made:
            digests.follow_digest(ADMIN, p.channel_id, "CAREA", any_services.new_uow())
        with pytest.raises(Conflict):
            digests.follow_digest(ADMIN, "C0", "CAREA", any_services.new_uow())
        with pytest.raises(Forbidden):
            digests.follow_digest(OTHER, "C0", "COTHER", any_services.new_uow())
        [shown] = digests.show_digest(OTHER, "CAREA", any_services.new_uow())
        rollup = render_content(shown.content)
    lines = rollup.sections[0].text.split("\n")[1:]
    assert len(lines) == 3  # one line each, by name
    brent, ealing, harrow = lines
    assert "*CCG Brent*: coverage 25% (1 of 4)" in brent and "no open vote" in brent
    assert "Expression of interest, Fri 20 Mar 2015 (8 working days left)" in brent
    assert (
        "*CCG Harrow*: coverage 50% (2 of 4)" in harrow
        and "turnout 50% (vote closes in 10 working days)" in harrow
    )
    assert "2 duties open" in harrow and "0 duties open" in brent
    assert "*CCG Ealing*: coverage 75%" in ealing
    assert "lowest coverage CCG Brent (25%)" in rollup.headline
    with freeze_time("2015-03-16 09:00:30"):
        jobs.run_sweeps(any_services, clock.now())
        jobs.run_sweeps(any_services, clock.now())
    assert (
        len(slack.digests("CAREA")) == 1 and len(slack.digests()) == 4
    )  # the roll-up and each programme's own
    assert slack.digests("CAREA")[0]["key"] == "digest-rollup:2015-W12:T1:CAREA"
    digests.unfollow_digest(ADMIN, "C0", "CAREA", any_services.new_uow())
    with freeze_time("2015-03-17 12:00"):
        [shown] = digests.show_digest(OTHER, "CAREA", any_services.new_uow())
        rollup = render_content(shown.content)
    assert len(rollup.sections[0].text.split("\n")) == 3
    with any_services.new_uow() as uow:
        actions = [
            e.action for e in uow.session.query(AuditEvent).filter_by(programme_id=made[0].id)
        ]
    assert "digest.follow" in actions and "digest.unfollow" in actions


def test_a_busy_monday_is_spread_over_ticks_and_each_programme_gets_one(sqlite_url, monkeypatch):
    monkeypatch.setattr(jobs.digests, "TICK_BUDGET_SECONDS", 0)  # one digest per tick
    svc = build_services(Settings(database_url=sqlite_url))
    for i in range(3):
        make_programme(svc, f"C{i}", f"CCG {i}")
    svc.engine.dispose()
    slack = SlackChannels()
    for minute, count in [(0, 1), (1, 2), (2, 3), (3, 3)]:
        sweep_at(sqlite_url, f"2015-03-23 09:0{minute}:30", slack)
        assert len(slack.digests()) == count
    assert sorted(p["channel"] for p in slack.digests()) == ["C0", "C1", "C2"]


def test_a_crash_between_posting_and_recording_is_settled_from_slack_not_reposted(sqlite_url):
    svc = build_services(Settings(database_url=sqlite_url))
    programme = make_programme(svc)
    slack = SlackChannels()
    key = f"digest:2015-W13:{programme.id}"
    with freeze_time("2015-03-23 09:00:10"):
        # The process claimed the key and posted, then died before recording it.
        with svc.new_uow() as uow:
            uow.deliveries.claim(
                key,
                programme_id=programme.id,
                kind="digest",
                recipient="C1",
                late=False,
                now=clock.now(),
            )
            uow.commit()
        slack.post("C1", "the digest", [], metadata={"event_payload": {"key": key}})
    svc.engine.dispose()
    sweep_at(sqlite_url, "2015-03-23 09:01:30", slack)  # the claim may still be live: leave it
    sweep_at(
        sqlite_url, "2015-03-23 09:07:30", slack
    )  # stale: found in Slack, recorded, not posted again
    assert len(slack.digests()) == 1
    svc = build_services(Settings(database_url=sqlite_url))
    with svc.new_uow() as uow:
        assert uow.deliveries.get(key).state == "sent"
        assert uow.deliveries.get(key + ":complete").state == "sent"
    svc.engine.dispose()


def test_position_changes_read_only_the_window_and_say_what_the_whole_history_says(any_services):
    """Long histories before the window: the digest reads only the week and each stakeholder's
    latest earlier position, and reports exactly the changes the whole history gives."""
    from sqlalchemy import select

    from bot.digest import position_changes, window_before
    from storage.models import Engagement, EngagementStakeholder

    svc = any_services
    programme = make_programme(svc, when="2014-12-01 12:00")
    for code in ("EA", "EB", "EC", "ED", "EE", "EF"):
        stakeholders.add_stakeholder(
            ADMIN, "C1", "practice", f"Practice {code}", svc.new_uow(), code=code
        )

    def log(when, code, position, on=None):
        with freeze_time(when):
            return engagements.log_engagement(
                ADMIN, "C1", [code], "call", f"Rang {code}", svc.new_uow(), position=position, on=on
            )

    # Months of history before the window (2015-03-11 12:00 to 2015-03-18 12:00).
    for day in range(1, 29):
        for code in ("EA", "EB", "ED", "EF"):
            log(f"2015-01-{day:02d} 10:00", code, ("support", "neutral")[day % 2])
    log("2015-02-10 10:00", "EA", "oppose")  # A's position when the week starts
    log("2015-02-20 10:00", "EB", "support")
    log("2015-02-01 10:00", "EE", "oppose")
    withdrawn = log("2015-02-25 10:00", "ED", "undecided")  # withdrawn: D stays at support
    with freeze_time("2015-02-26 10:00"):
        engagements.withdraw_engagement(ADMIN, "C1", withdrawn.engagement.id, svc.new_uow())
    # The week.
    log("2015-03-16 10:00", "EA", "support")  # oppose -> support
    log("2015-03-16 11:00", "EB", "oppose", on="2015-02-01")  # backdated: B stays at support
    log("2015-03-16 12:00", "EC", "undecided")  # no position before -> undecided
    log("2015-03-16 13:00", "ED", "support")  # support, as before the withdrawn one
    log("2015-03-12 10:00", "EE", "neutral", on="2015-03-12")
    log("2015-03-17 10:00", "EE", "oppose", on="2015-03-17")  # back to oppose by the week's end

    with freeze_time("2015-03-18 12:00"):
        shown = [render_content(s.content) for s in digests.show_digest(OTHER, "C1", svc.new_uow())]
        window = window_before(clock.now(), programme.timezone)
    text = "\n".join(s.text for s in shown[0].sections)
    assert "Position changes (2):" in text
    assert "• *Practice EA* (EA): oppose → *support*" in text
    assert "• *Practice EC* (EC): no position → *undecided*" in text
    for code in ("EB", "ED", "EE", "EF"):
        assert f"*Practice {code}* ({code}):" not in text

    # The same changes as from every position ever given (how the digest read them before).
    ES = EngagementStakeholder
    with svc.new_uow() as uow:
        rows, names = uow.digests.position_history(programme.id, window.start, window.end)
        assert len(rows) <= 6 + 4  # the week's six, and one earlier position for each of four
        everything = uow.session.execute(
            select(
                ES.stakeholder_id,
                ES.occurred_on,
                Engagement.logged_at,
                ES.engagement_id,
                ES.position,
            )
            .join(Engagement, Engagement.id == ES.engagement_id)
            .where(
                ES.position.is_not(None),
                ES.withdrawn.is_(False),
                Engagement.withdrawn_at.is_(None),
                Engagement.logged_at < window.end,
            )
        ).all()
        assert position_changes(rows, window, names) == position_changes(everything, window, names)


def test_the_digest_sweep_checks_out_one_connection_for_all_its_units_of_work(
    any_services, monkeypatch
):
    import threading

    from sqlalchemy import event

    make_programme(any_services)
    slack = SlackChannels()
    any_services = replace(any_services, messenger_for_team=lambda team: slack)
    monkeypatch.setattr(jobs, "SWEEPS", {"digests": jobs.SWEEPS["digests"]})
    here, checkouts = threading.current_thread(), []

    def counted(*_):
        if threading.current_thread() is here:
            checkouts.append(1)

    event.listen(any_services.engine, "checkout", counted)
    try:
        with freeze_time("2015-03-23 09:00:30"):
            jobs.run_sweeps(any_services, clock.now())
    finally:
        event.remove(any_services.engine, "checkout", counted)
    assert len(slack.digests()) == 1
    assert len(checkouts) == 1
