"""Duty reminders: 09:00 local on the reminder days, moved off holidays, exactly once, latest only after downtime."""

from dataclasses import replace
from datetime import UTC, datetime

from freezegun import freeze_time

from bot.context import Actor
from bot.services import duties, programmes
from jobs.duties import send_duty_reminders

ADMIN = Actor("T1", "UADMIN")


class Recorder:
    def __init__(self):
        self.sent = []

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        self.sent.append(("post", channel, text, metadata))
        return f"{len(self.sent)}.0"

    def dm(self, user, text, blocks=None, *, metadata=None):
        self.sent.append(("dm", user, text, metadata))
        return f"{len(self.sent)}.0"


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def prepare(svc):
    """Conflicts-of-interest safeguards are due Fri 9 Jan 2015; its 14-day reminder (Fri 26 Dec,
    Boxing Day) moves to Wed 24 Dec, the working day before Christmas."""
    with freeze_time("2014-12-01 12:00:00"):
        programme, _ = programmes.setup_programme(
            ADMIN,
            "C1",
            "P",
            svc.new_uow(),
            template="co-commissioning",
            year=2014,
            model="delegated",
        )
        with svc.new_uow() as uow:
            duty = uow.duties.by_key(programme.id, "conflicts-of-interest")
        duties.set_duty_owner(ADMIN, "C1", str(duty.id), "UJANE", svc.new_uow())
        with svc.new_uow() as uow:  # due the same day (with the proforma): out of the way here
            committee = uow.duties.by_key(programme.id, "committee-lay-majority")
        duties.mark_not_applicable(ADMIN, "C1", str(committee.id), "Set up already", svc.new_uow())
    recorder = Recorder()
    svc = replace(svc, messenger_for_team=lambda team: recorder)
    return svc, programme, duty, recorder


def sweep(svc, when):
    with freeze_time(when):
        return send_duty_reminders(svc, at(when))


def test_reminders_go_at_nine_on_the_moved_day_once_to_channel_and_owner(any_services):
    svc = any_services
    svc, programme, duty, recorder = prepare(svc)
    assert sweep(svc, "2014-12-24 08:59:00") == 0  # 08:59 London (GMT)
    assert sweep(svc, "2014-12-24 09:00:00") == 2
    assert [(kind, to) for kind, to, _, _ in recorder.sent] == [("post", "C1"), ("dm", "UJANE")]
    kind, to, text, metadata = recorder.sent[0]
    assert (
        f"*{duty.id}*" in text
        and "Fri 9 Jan 2015 (9 working days left)" in text
        and "<@UJANE>" in text
    )
    assert metadata["event_payload"]["key"].startswith(f"duty:{duty.id}:2015-01-09:2014-12-24:")
    assert sweep(svc, "2014-12-24 09:01:00") == 0  # never twice
    assert sweep(svc, "2014-12-26 09:00:00") == 0  # Boxing Day's reminder already went on the 24th
    assert len(recorder.sent) == 2


def test_after_downtime_only_the_latest_missed_reminder_goes_marked_late(any_services):
    svc = any_services
    svc, programme, duty, recorder = prepare(svc)
    # Down from before 24 Dec until 8 Jan, 11:00: the 24 Dec and 2 Jan reminders were missed;
    # only 8 Jan's (1 day before) goes, late.
    assert sweep(svc, "2015-01-08 11:00:00") == 2
    texts = [t for _, _, t, _ in recorder.sent]
    assert all("(Late: this reminder was due Thu 8 Jan 2015 09:00)" in t for t in texts)
    assert all("1 working day left" in t for t in texts)
    with any_services.new_uow() as uow:
        rows = [uow.deliveries.get(m["event_payload"]["key"]) for _, _, _, m in recorder.sent]
    assert all(r.state == "sent" and r.late for r in rows)


def test_a_done_duty_is_not_reminded(any_services):
    svc = any_services
    svc, programme, duty, recorder = prepare(svc)
    with freeze_time("2014-12-20 12:00:00"):
        duties.complete_duty(ADMIN, "C1", str(duty.id), svc.new_uow(), ["https://example.org/plan"])
    assert sweep(svc, "2014-12-24 09:00:00") == 0
    assert recorder.sent == []
