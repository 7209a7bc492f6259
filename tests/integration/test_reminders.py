"""Reminders under a shifted clock, through the real sweep, on SQLite and PostgreSQL:
downtime catch-up, restarts, moves and cancellations, a crash between posting and
recording, snoozes and follow-up actions."""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from app import bootstrap, slack_messenger_factory
from bot.context import Actor
from bot.errors import Forbidden
from bot.services import deadlines as svc
from bot.services.container import Services
from bot.services.deadlines import add_deadline
from bot.services.deliveries import metadata_for
from bot.services.programmes import setup_programme
from bot.settings import Settings
from jobs.reminders import send_due_reminders
from jobs.scheduler import start_scheduler
from storage.models import Action

UTC = UTC
ADMIN = Actor(team_id="T1", user_id="UADMIN", _is_workspace_admin=True)
DELEGATED = "Delegated commissioning proforma to NHS England"
JOINT = "Joint commissioning proforma to NHS England"
VOTE = "Member practice vote on the constitution change"


def make_services(url, slack):
    s = bootstrap(
        Settings(database_url=url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    )
    s = replace(s, messenger_for_team=slack_messenger_factory(s))
    return s


def posts(slack, prefix=("reminder:", "snooze:", "action:")):
    out = []
    for body in slack.sent("chat.postMessage"):
        key = ((body.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if key.startswith(prefix):
            out.append((key, body))
    return out


def sweep_at(services, when: str) -> None:
    """Run the reminder sweep at a UTC moment."""
    with freeze_time(when):
        send_due_reminders(services, datetime.now(UTC))


@dataclass(frozen=True)
class WithIds(Services):
    """The services, with the programme's deadline ids by title."""

    ids: dict = field(default_factory=dict)


def _programme(url, slack):
    with freeze_time("2014-05-01 10:00:00"):
        services = make_services(url, slack)
        _, template = setup_programme(
            ADMIN,
            "C1",
            "Hillingdon",
            services.new_uow(),
            template="co-commissioning",
            year=2014,
            model="delegated",
        )
        # A CCG keeping the joint route open tracks its proforma too, as its own deadline.
        _, joint = add_deadline(ADMIN, "C1", JOINT, date(2015, 1, 30), services.new_uow())
    return WithIds(
        **vars(services), ids={d.title: d.id for d in template} | {JOINT: joint.deadline.id}
    )


@pytest.fixture
def programme(db_url, slack):
    """The co-commissioning programme set up on 1 May 2014, on SQLite and PostgreSQL."""
    services = _programme(db_url, slack)
    yield services
    services.engine.dispose()


@pytest.fixture
def sqlite_programme(sqlite_url, slack):
    """The same on SQLite only, for tests about behaviour rather than storage."""
    services = _programme(sqlite_url, slack)
    yield services
    services.engine.dispose()


def titles(found):
    return [
        (k.split(":")[3], next(t for t in (DELEGATED, JOINT, VOTE) if t in b["text"]))
        for k, b in found
    ]


def test_downtime_posts_only_the_latest_missed_reminder_marked_late(programme, slack):
    sweep_at(programme, "2014-12-23 09:00")  # before the Christmas Eve reminder
    assert posts(slack) == []
    # Down from Christmas Eve until Saturday 3 January, 10:30.
    sweep_at(programme, "2015-01-03 10:30")
    found = posts(slack)
    assert titles(found) == [("2015-01-02", DELEGATED)]
    assert "Late: this reminder was due Fri 2 Jan 2015 09:00" in found[0][1]["text"]
    with programme.new_uow() as uow:
        row = uow.deliveries.get(found[0][0])
        assert row.late and row.state == "sent"
    sweep_at(programme, "2015-01-03 10:31")
    assert len(posts(slack)) == 1
    # The next one comes on time, not late.
    sweep_at(programme, "2015-01-08 09:00")
    assert titles(posts(slack)[1:]) == [("2015-01-08", DELEGATED)]
    assert "Late" not in posts(slack)[1][1]["text"]


def test_down_at_nine_and_back_the_same_day(sqlite_programme, slack):
    sweep_at(sqlite_programme, "2015-01-16 08:30")
    # (That first sweep caught up the delegated proforma's day-of reminder from 9 January.)
    assert titles(posts(slack)) == [("2015-01-09", DELEGATED)]
    sweep_at(sqlite_programme, "2015-01-16 14:00")
    found = posts(slack)[1:]
    assert titles(found) == [("2015-01-16", JOINT)]
    assert "Late" in found[0][1]["text"] and "Fri 16 Jan 2015 09:00" in found[0][1]["text"]


def test_a_restart_after_posting_posts_nothing_again(programme, db_url, slack):
    scheduler = start_scheduler(programme, start=False)
    with freeze_time("2015-01-16 09:00"):
        assert scheduler.tick_now()
    scheduler.shutdown()
    # The joint proforma's 14-day reminder, and the delegated one's day-of reminder caught up.
    assert sorted(titles(posts(slack))) == [("2015-01-09", DELEGATED), ("2015-01-16", JOINT)]
    restarted = make_services(db_url, slack)
    again = start_scheduler(restarted, start=False)
    try:
        for when in ("2015-01-16 09:00:30", "2015-01-16 12:00", "2015-01-17 09:00"):
            with freeze_time(when):
                assert again.tick_now()
    finally:
        again.shutdown()
        restarted.engine.dispose()
    assert len(posts(slack)) == 2


def test_moving_a_deadline_between_reminders(programme, slack):
    joint = programme.ids[JOINT]
    sweep_at(programme, "2015-01-16 09:00")
    # On Tuesday 20 January the joint proforma moves from Fri 30 Jan to Mon 2 Feb.
    with freeze_time("2015-01-20 12:00"):
        svc.move_deadline(ADMIN, "C1", joint, date(2015, 2, 2), programme.new_uow())
    for day in range(20, 32):
        sweep_at(programme, f"2015-01-{day:02d} 09:00")
    for day in (1, 2, 3):
        sweep_at(programme, f"2015-02-{day:02d} 09:00")
    joint_posts = [(k, b) for k, b in posts(slack) if JOINT in b["text"]]
    # 16 Jan for the old date; then the new date's: 26 Jan (7 days), Fri 30 Jan (1 day before is a Sunday),
    # Mon 2 Feb. Its 14-day reminder fell on 19 Jan, before the move: never caught up.
    assert [k.split(":")[2:4] for k, _ in joint_posts] == [
        ["2015-01-30", "2015-01-16"],
        ["2015-02-02", "2015-01-26"],
        ["2015-02-02", "2015-01-30"],
        ["2015-02-02", "2015-02-02"],
    ]
    assert all("Mon 2 Feb 2015" in b["text"] for _, b in joint_posts[1:])
    with programme.new_uow() as uow:
        moved = uow.deadlines.get(joint)
        assert moved.sequence == 1 and moved.updated_at == datetime(2015, 1, 20, 12, 0, tzinfo=UTC)
        audit = [e.action for e in uow.audit.for_programme(moved.programme_id, "deadline", joint)]
    assert audit == ["deadline.add", "deadline.move"]


def test_cancelled_and_done_deadlines_never_remind_again(sqlite_programme, slack):
    sweep_at(sqlite_programme, "2015-02-18 09:00")
    assert titles(posts(slack)) == [("2015-02-18", VOTE)]
    with freeze_time("2015-02-20 10:00"):
        svc.close_deadline(
            ADMIN, "C1", sqlite_programme.ids[VOTE], "cancelled", sqlite_programme.new_uow()
        )
        svc.close_deadline(
            ADMIN, "C1", sqlite_programme.ids[JOINT], "done", sqlite_programme.new_uow()
        )
    for when in ("2015-02-25 09:00", "2015-03-03 09:00", "2015-03-04 09:00", "2015-03-05 12:00"):
        sweep_at(sqlite_programme, when)
    assert titles(posts(slack)) == [("2015-02-18", VOTE)]


def test_a_deadline_closed_after_the_sweep_read_it_sends_nothing(sqlite_programme, slack):
    from jobs import reminders as job

    with freeze_time("2015-02-18 09:00"):
        pending = svc.reminders_due(sqlite_programme.new_uow(), datetime.now(UTC))
        assert [p.recipient for p in pending] == ["C1"]
        svc.close_deadline(
            ADMIN, "C1", sqlite_programme.ids[VOTE], "cancelled", sqlite_programme.new_uow()
        )
        job.send(sqlite_programme, pending[0])
    assert posts(slack) == []
    with sqlite_programme.new_uow() as uow:
        assert uow.deliveries.get(pending[0].key).message_ts is None


def test_a_crash_between_posting_and_recording_is_settled_from_the_channel(programme, slack):
    key = f"reminder:{programme.ids[JOINT]}:2015-01-30:2015-01-16:C1"
    # A process claimed the key and posted, then died before recording the post.
    with freeze_time("2015-01-16 09:00"):
        with programme.new_uow() as uow:
            uow.deliveries.claim(
                key,
                programme_id=None,
                kind="reminder",
                recipient="C1",
                late=False,
                now=datetime.now(UTC),
            )
            uow.commit()
    slack.seed_message("C1", "1421398800.000100", "Reminder: ...", metadata_for(key))
    sweep_at(
        programme, "2015-01-16 09:02"
    )  # the claim is still fresh: maybe its sender is still at work
    sweep_at(programme, "2015-01-16 09:10")
    assert [k for k, _ in posts(slack) if k == key] == []
    assert [c["channel"] for c in slack.sent("conversations.history")] == ["C1"]
    with programme.new_uow() as uow:
        row = uow.deliveries.get(key)
        assert (row.state, row.message_ts) == ("sent", "1421398800.000100")


def test_a_crash_before_posting_is_posted_once_after_checking_the_channel(sqlite_programme, slack):
    key = f"reminder:{sqlite_programme.ids[JOINT]}:2015-01-30:2015-01-16:C1"
    with freeze_time("2015-01-16 09:00"):
        with sqlite_programme.new_uow() as uow:
            uow.deliveries.claim(
                key,
                programme_id=None,
                kind="reminder",
                recipient="C1",
                late=False,
                now=datetime.now(UTC),
            )
            uow.commit()
    sweep_at(sqlite_programme, "2015-01-16 09:10")
    sweep_at(sqlite_programme, "2015-01-16 09:20")
    assert [k for k, _ in posts(slack) if k == key] == [key]
    assert len(slack.sent("conversations.history")) == 1


def test_owners_are_dmd_and_a_snooze_dms_only_the_clicker_a_working_day_later(
    sqlite_programme, slack
):
    with freeze_time("2014-12-01 10:00"):
        _, view = svc.add_deadline(
            ADMIN,
            "C1",
            "Plan to the HWBB",
            date(2015, 1, 6),
            sqlite_programme.new_uow(),
            owners=["UJANE", "UBOB"],
            remind_days=(7, 0),
        )
    plan = view.deadline.id
    sweep_at(sqlite_programme, "2014-12-30 09:00")  # 7 days before
    first = [k for k, b in posts(slack) if "Plan to the HWBB" in b["text"]]
    assert sorted(k.split(":")[4] for k in first) == ["C1", "UBOB", "UJANE"]
    # Jane snoozes on Wednesday 31 December: the next working day is Friday 2 January.
    with freeze_time("2014-12-31 11:00"):
        _, _, remind_on = svc.snooze_reminder(
            Actor("T1", "UJANE"), plan, sqlite_programme.new_uow()
        )
        assert remind_on == date(2015, 1, 2)
        svc.snooze_reminder(Actor("T1", "UJANE"), plan, sqlite_programme.new_uow())  # twice is once
    sweep_at(sqlite_programme, "2015-01-02 08:59")
    assert len([k for k, _ in posts(slack) if k.startswith("snooze:")]) == 0
    sweep_at(sqlite_programme, "2015-01-02 09:00")
    sweep_at(sqlite_programme, "2015-01-02 15:00")
    snoozed = [(k, b) for k, b in posts(slack) if k.startswith("snooze:")]
    assert [(k.split(":")[3:], b["channel"]) for k, b in snoozed] == [
        (["2015-01-02", "UJANE"], "UJANE")
    ]
    with sqlite_programme.new_uow() as uow:
        snoozes = [
            e
            for e in uow.audit.for_programme(view.deadline.programme_id, "deadline", plan)
            if e.action == "deadline.snooze"
        ]
    assert len(snoozes) == 1 and snoozes[0].actor == "UJANE"


def test_a_snooze_is_void_once_the_deadline_moves_or_closes(sqlite_programme, slack):
    with freeze_time("2015-01-16 10:00"):
        svc.snooze_reminder(
            Actor("T1", "UJANE"), sqlite_programme.ids[JOINT], sqlite_programme.new_uow()
        )
        svc.snooze_reminder(
            Actor("T1", "UJANE"), sqlite_programme.ids[VOTE], sqlite_programme.new_uow()
        )
        svc.move_deadline(
            ADMIN, "C1", sqlite_programme.ids[JOINT], date(2015, 2, 27), sqlite_programme.new_uow()
        )
        svc.close_deadline(
            ADMIN, "C1", sqlite_programme.ids[VOTE], "done", sqlite_programme.new_uow()
        )
    sweep_at(sqlite_programme, "2015-01-19 09:00")
    assert [k for k, _ in posts(slack) if k.startswith("snooze:")] == []


def test_mark_done_from_a_reminder_is_for_owners_and_admins(sqlite_programme, slack):
    with freeze_time("2014-12-01 10:00"):
        _, view = svc.add_deadline(
            ADMIN, "C1", "Owned", date(2015, 1, 6), sqlite_programme.new_uow(), owners=["UJANE"]
        )
        with pytest.raises(Forbidden) as e:
            svc.complete_from_reminder(
                Actor("T1", "UOTHER"), view.deadline.id, sqlite_programme.new_uow()
            )
        assert "<@UJANE>" in e.value.message
        _, done, newly = svc.complete_from_reminder(
            Actor("T1", "UJANE"), view.deadline.id, sqlite_programme.new_uow()
        )
        assert newly and done.deadline.state == "done"
        assert not svc.complete_from_reminder(
            Actor("T1", "UJANE"), view.deadline.id, sqlite_programme.new_uow()
        )[2]


def test_follow_up_actions_remind_their_owner_the_working_day_before_and_on_the_day(
    sqlite_programme, slack
):
    with freeze_time("2015-01-05 10:00"):
        with sqlite_programme.new_uow() as uow:
            pid = uow.programmes.by_channel("T1", "C1").id
            uow.session.add_all(
                [
                    Action(
                        programme_id=pid,
                        title="Send the LMC the draft",
                        owner_id="UJANE",
                        due_on=date(2015, 1, 12),
                        created_by="UADMIN",
                    ),
                    Action(
                        programme_id=pid,
                        title="Already done",
                        owner_id="UBOB",
                        due_on=date(2015, 1, 12),
                        state="done",
                        created_by="UADMIN",
                    ),
                ]
            )
            uow.commit()
    for when in (
        "2015-01-08 09:00",
        "2015-01-09 08:59",
        "2015-01-09 09:00",
        "2015-01-10 09:00",
        "2015-01-12 09:00",
        "2015-01-13 09:00",
    ):
        sweep_at(sqlite_programme, when)
    found = posts(slack, ("action:",))
    # Due Monday 12 January: reminded on Friday 9th (the working day before) and on the day.
    assert [(k.split(":")[3], b["channel"]) for k, b in found] == [
        ("2015-01-09", "UJANE"),
        ("2015-01-12", "UJANE"),
    ]
    assert (
        "Send the LMC the draft" in found[0][1]["text"] and "Mon 12 Jan 2015" in found[0][1]["text"]
    )
