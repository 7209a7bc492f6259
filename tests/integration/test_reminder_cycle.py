"""The whole 2014/15 co-commissioning cycle, walked under a shifted clock through the real scheduler tick.

Every tick is what the scheduler runs each minute in production (leader
check, every sweep); posts go over HTTP to the Slack stand-in. The walk
restarts the "process" every month, as a deployment would.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from app import bootstrap, slack_messenger_factory
from bot.context import Actor
from bot.services.deadlines import add_deadline
from bot.services.programmes import setup_programme
from bot.settings import Settings
from jobs.scheduler import start_scheduler

UTC = UTC
LONDON = ZoneInfo("Europe/London")
ADMIN = Actor(team_id="T1", user_id="UADMIN", _is_workspace_admin=True)

EOI = "Expression of interest to NHS England (sections A to H)"
DELEGATED = "Delegated commissioning proforma to NHS England"
JOINT = "Joint commissioning proforma to NHS England"
VOTE = "Member practice vote on the constitution change"
NEW = "New co-commissioning arrangements begin"
HWBB = "HWBB opinion on the draft plan"
EASTER = "Paper for Easter Monday"

# Worked out by hand from the calendar: weekends and English bank holidays move a reminder to the
# working day before; two that land on one day give one reminder.
EXPECTED = {
    EOI: ["2014-06-06", "2014-06-13", "2014-06-19", "2014-06-20"],
    HWBB: [
        "2014-10-13",
        "2014-10-20",
        "2014-10-24",
        "2014-10-27",
    ],  # 1 day before is Sun 26 Oct: the clocks change
    DELEGATED: [
        "2014-12-24",
        "2015-01-02",
        "2015-01-08",
        "2015-01-09",
    ],  # 14 days before is Boxing Day
    JOINT: ["2015-01-16", "2015-01-23", "2015-01-29", "2015-01-30"],
    VOTE: ["2015-02-18", "2015-02-25", "2015-03-03", "2015-03-04"],
    NEW: ["2015-03-18", "2015-03-25", "2015-03-31", "2015-04-01"],  # BST from 29 Mar
    EASTER: [
        "2015-03-23",
        "2015-03-30",
        "2015-04-02",
    ],  # Easter Monday and the day before: Maundy Thursday
}
CLOCK_CHANGES = {date(2014, 10, 26), date(2015, 3, 29)}


def make_services(url, slack):
    svc = bootstrap(
        Settings(database_url=url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    )
    svc = replace(svc, messenger_for_team=slack_messenger_factory(svc))
    return svc


def reminder_posts(slack) -> list[tuple[str, dict]]:
    out = []
    for body in slack.sent("chat.postMessage"):
        key = ((body.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if key.startswith(("reminder:", "snooze:", "action:")):
            out.append((key, body))
    return out


def ticks_of(day: date) -> list[datetime]:
    """Either side of 08:00 and 09:00 UTC every day; hour by hour around the clock changes."""
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    minutes = [7 * 60 + 59, 8 * 60, 8 * 60 + 59, 9 * 60]
    if any(abs((day - c).days) <= 1 for c in CLOCK_CHANGES):
        minutes = sorted(set(minutes) | {h * 60 for h in range(24)})
    return [base + timedelta(minutes=m) for m in minutes]


@pytest.fixture
def cycle(sqlite_url, slack):
    with freeze_time("2014-05-01 10:00:00"):
        svc = make_services(sqlite_url, slack)
        programme, template = setup_programme(
            ADMIN,
            "C1",
            "Hillingdon co-commissioning",
            svc.new_uow(),
            template="co-commissioning",
            year=2014,
            model="delegated",
        )
        # A CCG keeping the joint route open tracks its proforma too, as its own deadline.
        add_deadline(ADMIN, "C1", JOINT, date(2015, 1, 30), svc.new_uow())
        _, hwbb = add_deadline(
            ADMIN, "C1", HWBB, date(2014, 10, 27), svc.new_uow(), owners=["UJANE", "UBOB"]
        )
        _, easter = add_deadline(ADMIN, "C1", EASTER, date(2015, 4, 6), svc.new_uow())
    yield svc
    svc.engine.dispose()


@pytest.mark.slow
def test_every_reminder_of_the_cycle_posts_once_at_nine_local_on_the_right_working_day(
    cycle, sqlite_url, slack
):
    svc = cycle
    scheduler = start_scheduler(svc, start=False)
    posted_at: dict[str, datetime] = {}
    day = date(2014, 5, 2)
    with freeze_time(day) as clock:
        while day <= date(2015, 4, 30):
            if day.day == 1:  # a restart: a new process, a new engine, a new scheduler
                scheduler.shutdown()
                svc.engine.dispose()
                svc = make_services(sqlite_url, slack)
                scheduler = start_scheduler(svc, start=False)
            for at in ticks_of(day):
                before = len(reminder_posts(slack))
                clock.move_to(at)
                assert scheduler.tick_now(), "a lone scheduler always leads"
                for key, _ in reminder_posts(slack)[before:]:
                    assert key not in posted_at, f"{key} posted twice"
                    posted_at[key] = at
            day += timedelta(days=1)
    scheduler.shutdown()

    bodies = {key: body for key, body in reminder_posts(slack)}
    assert len(bodies) == len(reminder_posts(slack)), "a reminder was posted twice"
    got: dict[str, list[str]] = {}
    for key, at in posted_at.items():
        _, deadline_id, due, on, recipient = key.split(":")
        body = bodies[key]
        title = next(t for t in EXPECTED if t in body["text"])
        local = at.astimezone(LONDON)
        assert (local.hour, local.minute) == (9, 0), f"{key} posted at {local}"
        assert local.date().isoformat() == on
        assert "Late" not in body["text"]
        if recipient == "C1":
            got.setdefault(title, []).append(on)
        else:
            assert title == HWBB and recipient in ("UJANE", "UBOB")
    assert {t: sorted(v) for t, v in got.items()} == EXPECTED
    # The owners of the HWBB item were DM'd on each of its reminder days, once each.
    dms = sorted((k.split(":")[4], k.split(":")[3]) for k in posted_at if not k.endswith(":C1"))
    assert dms == sorted((u, d) for u in ("UJANE", "UBOB") for d in EXPECTED[HWBB])
    # Across the clock changes, 09:00 local is 08:00 UTC in summer and 09:00 UTC in winter.
    utc_hour = {k.split(":")[3]: at.hour for k, at in posted_at.items()}
    assert utc_hour["2014-10-24"] == 8 and utc_hour["2014-10-27"] == 9
    assert (
        utc_hour["2015-03-25"] == 9 and utc_hour["2015-03-30"] == 8 and utc_hour["2015-03-31"] == 8
    )
    # What a reminder says.
    eoi_day_before = next(b for k, b in bodies.items() if ":2014-06-19:C1" in k)
    assert (
        "Fri 20 Jun 2014" in eoi_day_before["text"]
        and "1 working day left" in eoi_day_before["text"]
    )
    hwbb_owned = next(b for k, b in bodies.items() if ":2014-10-13:C1" in k)
    assert "<@UBOB>, <@UJANE>" in hwbb_owned["text"]
    assert [e["action_id"] for e in hwbb_owned["blocks"][-1]["elements"]] == [
        "deadline_done",
        "deadline_snooze",
    ]
