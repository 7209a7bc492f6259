"""The member practice vote on real SQLite and PostgreSQL: electorate, ballots, aggregate counts,
closing, the sweeps (auto-close, reminders, turnout warning), the export, and concurrency."""

import csv
import io
import json
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, text

from bot.context import Actor
from bot.errors import Conflict, Forbidden, NotFound, UsageError
from bot.people import Person
from bot.services import programmes, stakeholders
from bot.services import votes as svc
from bot.services.directory import remember_people
from jobs import SWEEPS
from jobs import votes as vote_jobs
from storage.models import AuditEvent, Ballot, BallotHistory, Delivery

ADMIN = Actor("T1", "UADMIN")
OFFICER = Actor("T1", "UOFFICER")
NOBODY = Actor("T1", "UNOBODY")
BEFORE = "2015-02-02 10:00:00"  # a Monday, a month before the vote closes
CLOSES = date(2015, 3, 4)  # Wed 4 March 2015, 17:00 GMT


class Recorder:
    """A Messenger that keeps what was sent."""

    def __init__(self):
        self.posts, self.dms = [], []
        self.lock = threading.Lock()

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        with self.lock:
            self.posts.append((channel, text, metadata))
            return f"{len(self.posts)}.0"

    def dm(self, user, text, blocks=None, *, metadata=None):
        with self.lock:
            self.dms.append((user, text))
            return f"d{len(self.dms)}.0"


def build(svc_, n=10, sizes=None, groups=None, link=True):
    programmes.setup_programme(ADMIN, "C1", "Hillingdon co-commissioning", svc_.new_uow())
    programmes.grant_role(ADMIN, "C1", "UOFFICER", "returning-officer", svc_.new_uow())
    for i in range(n):
        stakeholders.add_stakeholder(
            ADMIN,
            "C1",
            "practice",
            f"Practice {i + 1:02d}",
            svc_.new_uow(),
            code=f"E85{i + 1:03d}",
            list_size=(sizes or [1000] * n)[i],
            group=(groups or [None] * n)[i],
        )
        if link:
            stakeholders.link_stakeholder(
                ADMIN, "C1", f"E85{i + 1:03d}", f"UGP{i + 1}", svc_.new_uow()
            )
    stakeholders.add_stakeholder(
        ADMIN, "C1", "lmc", "Londonwide LMCs", svc_.new_uow(), code="LMC01"
    )


def open_(svc_, **kw):
    kw.setdefault("closes_on", CLOSES)
    return svc.open_vote(ADMIN, "C1", "Take on joint commissioning?", svc_.new_uow(), **kw)


def gp(i):
    return Actor("T1", f"UGP{i}")


def click(svc_, i, choice, vote_id, stakeholder_id=None):
    return svc.ballot_from_button(gp(i), vote_id, choice, svc_.new_uow(), stakeholder_id)


@freeze_time(BEFORE)
def test_opening_fixes_the_electorate_and_is_for_admins(any_services):
    build(
        any_services, 4, sizes=[1000, 2000, 3000, 4000], groups=["North", "North", "South", "South"]
    )
    with pytest.raises(Forbidden, match="Only the programme's admins can open a vote"):
        svc.open_vote(OFFICER, "C1", "Q?", any_services.new_uow(), closes_on=CLOSES)
    with pytest.raises(UsageError, match="close in the past"):
        open_(any_services, closes_on=date(2015, 1, 1))
    with pytest.raises(NotFound, match="Groups: North, South"):
        open_(any_services, group="East")
    view = open_(any_services, weighted=True, quorum=50)
    assert view.tally.practices.electorate == 4 and view.tally.list_size.electorate == 10_000
    assert view.vote.closes_at == datetime(2015, 3, 4, 17, tzinfo=UTC)
    # Later changes to the register do not change an open vote's electorate or its list sizes.
    stakeholders.add_stakeholder(
        ADMIN,
        "C1",
        "practice",
        "Late Practice",
        any_services.new_uow(),
        code="E85099",
        list_size=5000,
    )
    stakeholders.import_practices(
        ADMIN,
        view.programme.id,
        [("s.csv", "code,name,list_size\nE85001,Practice 01,9999\n")],
        any_services.new_uow(),
    )
    again = svc.tally_vote(ADMIN, "C1", any_services.new_uow())
    assert again.tally.practices.electorate == 4 and again.tally.list_size.electorate == 10_000
    with pytest.raises(Conflict, match="not in this vote's electorate"):
        svc.record_ballot(ADMIN, "C1", "E85099", "for", any_services.new_uow())
    with pytest.raises(Conflict, match="not in this vote's electorate"):
        svc.record_ballot(ADMIN, "C1", "LMC01", "for", any_services.new_uow())
    south = open_(any_services, group="south")
    assert [e.code for e in south.electors] == [
        "E85003",
        "E85004",
    ] and south.vote.group_name == "South"
    # Two open votes: commands must say which.
    with pytest.raises(UsageError, match="2 open votes.*--vote"):
        svc.tally_vote(ADMIN, "C1", any_services.new_uow())
    assert (
        svc.tally_vote(ADMIN, "C1", any_services.new_uow(), south.vote.id).vote.id == south.vote.id
    )
    with any_services.new_uow() as uow:
        assert [v.id for v in uow.votes.open_votes(view.programme.id)] == [
            view.vote.id,
            south.vote.id,
        ]
        opened = [e for e in uow.audit.for_programme(view.programme.id) if e.action == "vote.open"]
        assert len(opened) == 2 and len(json.loads(opened[0].after)["electorate"]) == 4


@freeze_time(BEFORE)
def test_weighted_vote_needs_every_list_size(any_services):
    build(any_services, 2, sizes=[1000, None])
    with pytest.raises(Conflict, match="E85002"):
        open_(any_services, weighted=True)


@freeze_time(BEFORE)
def test_one_ballot_per_practice_latest_counts_every_change_audited(any_services):
    build(any_services, 3)
    vote = open_(any_services).vote
    first = click(any_services, 1, "against", vote.id)
    assert first.changed and first.previous is None and first.practice.code == "E85001"
    changed = click(any_services, 1, "for", vote.id)
    assert changed.previous == "against" and changed.choice == "for"
    assert not click(any_services, 1, "for", vote.id).changed  # same again: nothing to record
    # A returning officer records for a practice (a paper ballot); a stranger can't.
    with pytest.raises(Forbidden, match="returning officer"):
        svc.record_ballot(NOBODY, "C1", "E85002", "for", any_services.new_uow())
    paper = svc.record_ballot(
        OFFICER, "C1", "E85002", "abstain", any_services.new_uow(), method="paper"
    )
    assert paper.changed
    svc.record_ballot(
        ADMIN, "C1", "E85001", "against", any_services.new_uow(), method="email"
    )  # admins may too
    with any_services.new_uow() as uow:
        ballots = {b.stakeholder_id: b for b in uow.votes.ballots(vote.id)}
        assert len(ballots) == 2
        b1 = ballots[first.practice.id]
        assert (b1.choice, b1.method, b1.recorded_by, b1.changes) == (
            "against",
            "email",
            "UADMIN",
            2,
        )
        history = [
            (h.choice, h.method, h.recorded_by)
            for h in uow.votes.history(vote.id)
            if h.stakeholder_id == first.practice.id
        ]
        assert history == [
            ("against", "slack", "UGP1"),
            ("for", "slack", "UGP1"),
            ("against", "email", "UADMIN"),
        ]
        actions = [e.action for e in uow.audit.for_programme(vote.programme_id, entity="ballot")]
        assert actions == ["vote.ballot", "vote.ballot.change", "vote.ballot", "vote.ballot.change"]
    t = svc.tally_vote(ADMIN, "C1", any_services.new_uow()).tally
    assert (t.practices.for_, t.practices.against, t.practices.abstain, t.practices.not_voted) == (
        0,
        1,
        1,
        1,
    )


@freeze_time(BEFORE)
def test_buttons_need_a_linked_practice_and_several_means_choosing(any_services):
    build(any_services, 3, link=False)
    stakeholders.link_stakeholder(ADMIN, "C1", "E85001", "UMULTI", any_services.new_uow())
    stakeholders.link_stakeholder(ADMIN, "C1", "E85002", "UMULTI", any_services.new_uow())
    vote = open_(any_services).vote
    with pytest.raises(Forbidden, match="not linked to a member practice.*stakeholder link"):
        svc.ballot_from_button(NOBODY, vote.id, "for", any_services.new_uow())
    multi = Actor("T1", "UMULTI")
    pick = svc.ballot_from_button(multi, vote.id, "for", any_services.new_uow())
    assert isinstance(pick, svc.PracticeChoice) and [p.code for p in pick.practices] == [
        "E85001",
        "E85002",
    ]
    done = svc.ballot_from_button(
        multi, vote.id, "for", any_services.new_uow(), pick.practices[1].id
    )
    assert done.practice.code == "E85002"
    with any_services.new_uow() as uow:
        assert len(uow.votes.ballots(vote.id)) == 1
        e3 = uow.stakeholders.by_code(vote.programme_id, "E85003")
    with pytest.raises(Forbidden, match="not one you speak for"):
        svc.ballot_from_button(multi, vote.id, "for", any_services.new_uow(), e3.id)
    with pytest.raises(NotFound):  # another workspace can't reach this vote
        svc.ballot_from_button(Actor("T2", "UMULTI"), vote.id, "for", any_services.new_uow())


@freeze_time(BEFORE)
def test_aggregate_or_ballots_never_both_and_within_the_electorate(any_services):
    build(any_services, 10, sizes=[1000] * 10)
    vote = open_(any_services, weighted=True, quorum=50).vote
    with pytest.raises(Forbidden):
        svc.set_aggregate_tally(
            NOBODY, "C1", any_services.new_uow(), for_count=1, against_count=0, abstain_count=0
        )
    with pytest.raises(UsageError, match="electorate is 10"):
        svc.set_aggregate_tally(
            OFFICER,
            "C1",
            any_services.new_uow(),
            for_count=6,
            against_count=4,
            abstain_count=1,
            for_size=6000,
            against_size=4000,
            abstain_size=1000,
        )
    with pytest.raises(UsageError, match="needs the list size"):
        svc.set_aggregate_tally(
            OFFICER, "C1", any_services.new_uow(), for_count=6, against_count=4, abstain_count=0
        )
    view = svc.set_aggregate_tally(
        OFFICER,
        "C1",
        any_services.new_uow(),
        for_count=4,
        against_count=3,
        abstain_count=0,
        for_size=4000,
        against_size=3000,
        abstain_size=0,
    )
    assert view.tally.mode == "aggregate" and view.tally.carried
    with pytest.raises(Conflict, match="aggregate count"):
        click(any_services, 1, "for", vote.id)
    # A correction replaces the count and is audited with before and after.
    view = svc.set_aggregate_tally(
        OFFICER,
        "C1",
        any_services.new_uow(),
        for_count=1,
        against_count=3,
        abstain_count=0,
        for_size=1000,
        against_size=3000,
        abstain_size=0,
    )
    assert view.tally.outcome == "no quorum"  # 4,000 of 10,000 list size, below 50%
    with any_services.new_uow() as uow:
        events = [
            e
            for e in uow.audit.for_programme(vote.programme_id)
            if e.action.startswith("vote.tally")
        ]
        assert [e.action for e in events] == ["vote.tally.set", "vote.tally.change"]
        assert (
            json.loads(events[1].before)["for_count"] == 4
            and json.loads(events[1].after)["for_count"] == 1
        )
    other = open_(any_services).vote
    click(any_services, 1, "for", other.id)
    with pytest.raises(Conflict, match="either ballots or an aggregate"):
        svc.set_aggregate_tally(
            OFFICER,
            "C1",
            any_services.new_uow(),
            for_count=1,
            against_count=0,
            abstain_count=0,
            vote_id=other.id,
        )


@freeze_time(BEFORE)
def test_closing_fixes_the_result_and_nothing_changes_after(any_services):
    build(any_services, 5)
    vote = open_(any_services, rule="two-thirds").vote
    for i, choice in [(1, "for"), (2, "for"), (3, "against"), (4, "abstain")]:
        click(any_services, i, choice, vote.id)
    with pytest.raises(Forbidden, match="admins can close"):
        svc.close_vote(OFFICER, "C1", any_services.new_uow())
    view = svc.close_vote(ADMIN, "C1", any_services.new_uow())
    assert view.tally.carried and view.vote.state == "closed" and view.vote.closed_by == "UADMIN"
    stored = json.loads(view.vote.result)
    assert (
        stored["outcome"] == "carried"
        and stored["practices"]["for"] == 2
        and stored["checksum"] == view.vote.checksum
    )
    with pytest.raises(Conflict, match="closed"):
        click(any_services, 5, "for", vote.id)
    with pytest.raises(NotFound, match="no open vote"):
        svc.record_ballot(OFFICER, "C1", "E85005", "for", any_services.new_uow())
    with pytest.raises(Conflict, match="closed"):
        svc.record_ballot(OFFICER, "C1", "E85005", "for", any_services.new_uow(), vote_id=vote.id)
    with pytest.raises(Conflict, match="closed"):
        svc.close_vote(ADMIN, "C1", any_services.new_uow(), vote.id)
    final = svc.tally_vote(
        ADMIN, "C1", any_services.new_uow()
    )  # with no open vote, the latest closed one
    assert final.tally.checksum == view.vote.checksum and final.tally.practices.turnout == 4


@freeze_time(BEFORE)
def test_export_reproduces_the_checksum(any_services):
    build(any_services, 4, sizes=[1200, 3400, 5600, 7800])
    vote = open_(any_services).vote
    click(any_services, 1, "for", vote.id)
    click(any_services, 2, "against", vote.id)
    click(any_services, 2, "for", vote.id)
    svc.record_ballot(OFFICER, "C1", "E85003", "abstain", any_services.new_uow(), method="meeting")
    view = svc.close_vote(ADMIN, "C1", any_services.new_uow())
    with pytest.raises(Forbidden):
        svc.ballots_csv(NOBODY, "C1", any_services.new_uow(), vote.id)
    remember_people(
        any_services.new_uow(), "T1", [Person(OFFICER.user_id, "ro", "Rita Officer", deleted=True)]
    )
    name, data, comment = svc.ballots_csv(OFFICER, "C1", any_services.new_uow(), vote.id)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[2]["recorded by name"] == "Rita Officer (deactivated)"
    assert name == f"ballots-vote-{vote.id}.csv" and list(rows[0]) == svc.EXPORT_HEADER
    assert [(r["code"], r["list size"], r["choice"], r["method"], r["changes"]) for r in rows] == [
        ("E85001", "1200", "for", "slack", "0"),
        ("E85002", "3400", "for", "slack", "1"),
        ("E85003", "5600", "abstain", "meeting", "0"),
        ("E85004", "7800", "", "", ""),
    ]
    assert svc.checksum_of_export(rows) == view.vote.checksum and view.vote.checksum in comment
    rows[0]["choice"] = "against"  # a tampered export no longer matches
    assert svc.checksum_of_export(rows) != view.vote.checksum


@freeze_time(BEFORE)
def test_forecast_uses_the_latest_engagement_positions(any_services):
    build(any_services, 5)
    vote = open_(any_services).vote
    click(any_services, 1, "against", vote.id)
    with any_services.new_uow() as uow:
        ids = {s.code: s.id for s in uow.stakeholders.list(vote.programme_id, "practice")}
        for code, position, day in [
            ("E85002", "oppose", 1),
            ("E85002", "support", 20),
            ("E85003", "support", 5),
            ("E85004", "undecided", 5),
            ("E85001", "support", 5),
        ]:
            uow.engagements.create(
                [ids[code]],
                programme_id=vote.programme_id,
                kind="meeting",
                summary="talk",
                occurred_on=date(2015, 1, day),
                position=position,
                logged_by="UADMIN",
            )
        uow.commit()
    view = svc.tally_vote(ADMIN, "C1", any_services.new_uow())
    fc = view.forecast
    assert fc.projected == {
        ids["E85002"]: "for",
        ids["E85003"]: "for",
    }  # E85001 voted: its position is moot
    assert [e.code for e in fc.undecided] == ["E85004", "E85005"]
    assert fc.tally.outcome == "carried" and view.tally.outcome == "not carried"


# -- the sweeps ------------------------------------------------------------------


def sweep_services(svc_):
    messenger = Recorder()
    return replace(svc_, messenger_for_team=lambda team_id: messenger), messenger


def test_auto_close_at_closing_time_exactly_once(any_services):
    any_services, messenger = sweep_services(any_services)
    with freeze_time(BEFORE):
        build(any_services, 4)
        vote = open_(any_services, quorum=50).vote
        for i, choice in [(1, "for"), (2, "for"), (3, "against")]:
            click(any_services, i, choice, vote.id)
    with freeze_time("2015-03-04 16:59:00") as frozen:
        vote_jobs.close_votes(any_services, datetime.now(UTC))
        assert messenger.posts == []
        click(any_services, 4, "abstain", vote.id)  # still open a minute before
        frozen.move_to("2015-03-04 17:00:00")
        with pytest.raises(
            Conflict, match="closed at Wed 4 Mar 2015 17:00"
        ):  # the sweep has not run yet
            click(any_services, 4, "for", vote.id)
        now = datetime.now(UTC)
        # Two sweeps at once, then a third: one close, one post.
        registered = SWEEPS["votes.close"].run  # the sweep as the scheduler runs it
        assert registered is vote_jobs.close_votes
        threads = [threading.Thread(target=registered, args=(any_services, now)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        vote_jobs.close_votes(any_services, now)
    assert len(messenger.posts) == 1
    channel, text_, metadata = messenger.posts[0]
    assert channel == "C1" and "CARRIED" in text_ and "For 2" in text_ and "Against 1" in text_
    assert metadata["event_payload"]["key"] == f"vote:{vote.id}:result"
    with any_services.new_uow() as uow:
        closed = uow.votes.by_id(vote.id)
        assert (closed.state, closed.closed_by) == (
            "closed",
            "consult",
        ) and closed.checksum in text_
        closes = [e for e in uow.audit.for_programme(vote.programme_id) if e.action == "vote.close"]
        assert len(closes) == 1
        assert (
            uow.session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.kind == "vote-result")
            )
            == 1
        )


def test_a_result_not_posted_is_posted_by_the_next_sweep(any_services):
    any_services, messenger = sweep_services(any_services)
    with freeze_time(BEFORE):
        build(any_services, 2)
        vote = open_(any_services).vote
        svc.close_vote(
            ADMIN, "C1", any_services.new_uow()
        )  # closed, but its poster stopped before posting
    with freeze_time("2015-02-02 10:01:00"):
        vote_jobs.close_votes(any_services, datetime.now(UTC))
        vote_jobs.close_votes(any_services, datetime.now(UTC))
    assert len(messenger.posts) == 1 and "by <@UADMIN>" in messenger.posts[0][1]
    assert f"#{vote.id}" in messenger.posts[0][1]


def test_reminders_go_to_those_who_have_not_voted_and_turnout_warning_once(any_services):
    any_services, messenger = sweep_services(any_services)
    with freeze_time(BEFORE):
        build(any_services, 4)
        stakeholders.link_stakeholder(
            ADMIN, "C1", "E85004", "UGP3", any_services.new_uow()
        )  # UGP3 speaks for two
        vote = open_(any_services, quorum=75).vote
        click(any_services, 1, "for", vote.id)

    def sweep(at):
        with freeze_time(at):
            now = datetime.now(UTC)
            vote_jobs.remind_voters(any_services, now)
            vote_jobs.warn_low_turnout(any_services, now)

    sweep("2015-02-23 08:59:00")
    assert messenger.dms == []
    sweep("2015-02-23 09:00:00")  # 7 working days before Wed 4 March
    sweep("2015-02-23 09:01:00")
    assert sorted(u for u, _ in messenger.dms) == ["UGP2", "UGP3"]  # UGP1 voted; UGP3 once for both
    ugp3 = next(t for u, t in messenger.dms if u == "UGP3")
    assert "Practice 03" in ugp3 and "Practice 04" in ugp3 and "in 7 working days" in ugp3
    with freeze_time("2015-02-24 12:00:00"):
        click(any_services, 2, "against", vote.id)
    messenger.dms.clear()
    sweep(
        "2015-03-03 09:00:00"
    )  # 1 working day before: reminder and, turnout 2 of 4 < 75%, a warning
    sweep("2015-03-03 15:00:00")
    assert [u for u, _ in messenger.dms] == ["UGP3"]
    warnings = [p for p in messenger.posts if "below its quorum" in p[1]]
    assert len(warnings) == 1 and "Practice 03" in warnings[0][1]
    messenger.dms.clear()
    with freeze_time("2015-03-04 08:00:00"):
        pick = click(
            any_services, 3, "for", vote.id
        )  # UGP3 speaks for two practices: chooses Practice 03
        assert isinstance(pick, svc.PracticeChoice)
        click(any_services, 3, "for", vote.id, pick.practices[0].id)
    sweep("2015-03-04 09:30:00")  # closing day
    assert [u for u, _ in messenger.dms] == ["UGP3"] and "Practice 04" in messenger.dms[0][1]
    assert "Practice 03" not in messenger.dms[0][1] and "today" in messenger.dms[0][1]


def test_no_turnout_warning_when_quorum_is_met(any_services):
    any_services, messenger = sweep_services(any_services)
    with freeze_time(BEFORE):
        build(any_services, 2)
        vote = open_(any_services, quorum=50).vote
        click(any_services, 1, "for", vote.id)
    with freeze_time("2015-03-03 09:00:00"):
        vote_jobs.warn_low_turnout(any_services, datetime.now(UTC))
    assert messenger.posts == []


# -- concurrency (PostgreSQL: real row locks and a real unique index) -------------


@pytest.mark.postgres
def test_simultaneous_ballots_never_make_two(pg_url):
    from bot.settings import Settings
    from tests.harness import build_services

    services = build_services(Settings(database_url=pg_url))
    try:
        with freeze_time(BEFORE):
            build(services, 40)
            stakeholders.link_stakeholder(ADMIN, "C1", "E85001", "UGP1", services.new_uow())
            vote = open_(services, quorum=50).vote
        errors = []

        def worker(fn):
            barrier.wait()
            try:
                fn()
            except Exception as e:  # any error at all fails the test
                errors.append(e)

        jobs = []
        # Practice 1: eight clicks by its linked person and a returning officer's recordings, all at once.
        for k in range(8):
            jobs.append(lambda k=k: click(services, 1, ["for", "against"][k % 2], vote.id))
        for choice in ("against", "for"):
            jobs.append(
                lambda choice=choice: svc.record_ballot(
                    OFFICER, "C1", "E85001", choice, services.new_uow()
                )
            )
        # Practices 2..40 each click once, at the same moment.
        for i in range(2, 41):
            jobs.append(lambda i=i: click(services, i, "for" if i % 3 else "against", vote.id))
        barrier = threading.Barrier(len(jobs))
        threads = [threading.Thread(target=worker, args=(fn,)) for fn in jobs]
        with freeze_time("2015-02-10 12:00:00"):
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert errors == []
        with services.new_uow() as uow:
            per_practice = uow.session.execute(
                select(Ballot.stakeholder_id, func.count())
                .where(Ballot.vote_id == vote.id)
                .group_by(Ballot.stakeholder_id)
            ).all()
            assert len(per_practice) == 40 and all(n == 1 for _, n in per_practice)
            e1 = uow.stakeholders.by_code(vote.programme_id, "E85001")
            b1 = uow.votes.ballot_of(vote.id, e1.id)
            history = uow.session.scalar(
                select(func.count())
                .select_from(BallotHistory)
                .where(BallotHistory.stakeholder_id == e1.id)
            )
            # Every recorded change is one history row; the ballot's change count agrees.
            assert history == b1.changes + 1 and history >= 2
            audits = uow.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity == "ballot", AuditEvent.entity_id == b1.id)
            )
            assert audits == history
        with freeze_time("2015-02-10 12:00:00"):
            t = svc.tally_vote(ADMIN, "C1", services.new_uow()).tally
        expected_for = sum(1 for i in range(2, 41) if i % 3) + (b1.choice == "for")
        assert t.practices.for_ == expected_for and t.practices.turnout == 40
        assert t.practices.against == 40 - expected_for
    finally:
        services.engine.dispose()


@pytest.mark.postgres
def test_a_ballot_racing_an_uncommitted_first_ballot_becomes_an_update(pg_url):
    """The unique key stops the second insert; the loser updates the winner's row, with no error."""
    from bot.settings import Settings
    from tests.harness import build_services

    services = build_services(Settings(database_url=pg_url))
    try:
        with freeze_time(BEFORE):
            build(services, 2)
            vote = open_(services).vote
        with services.new_uow() as uow:
            practice = uow.stakeholders.by_code(vote.programme_id, "E85001")
        now = datetime(2015, 2, 3, tzinfo=UTC)
        first = services.new_uow()
        first.__enter__()
        first.votes.lock(vote.id, exclusive=False)
        first.votes.cast(
            vote.id, practice.id, "for", "slack", "UGP1", now
        )  # inserted, not committed
        outcome = {}

        def second():
            with services.new_uow() as uow:
                uow.votes.lock(vote.id, exclusive=False)
                outcome["result"] = uow.votes.cast(
                    vote.id, practice.id, "against", "paper", "UOFFICER", now
                )
                uow.commit()

        thread = threading.Thread(target=second)
        thread.start()
        engine = services.engine
        deadline = time.time() + 30
        blocked = 0
        try:
            with (
                engine.connect() as conn
            ):  # wait until the second insert is blocked on the unique index
                while time.time() < deadline and not blocked:
                    blocked = conn.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database() AND query LIKE 'INSERT INTO ballot %'"
                        )
                    ).scalar()
                    conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a fresh one
                    time.sleep(0.02)
            first.commit()
        finally:
            first.__exit__(None, None, None)
            thread.join(60)
        assert blocked == 1
        ballot, before, changed = outcome["result"]
        assert changed and before["choice"] == "for"
        with services.new_uow() as uow:
            rows = uow.votes.ballots(vote.id)
            assert [(b.choice, b.method, b.changes) for b in rows] == [("against", "paper", 1)]
            assert [h.choice for h in uow.votes.history(vote.id)] == ["for", "against"]
    finally:
        services.engine.dispose()
