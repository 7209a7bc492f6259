"""Reminders work for the service-change template as for any: its key dates and duties placed
back from the decision remind the channel at 09:00 on their reminder days, once, saying the
date is provisional; its decision date, given at set-up, is not."""

from dataclasses import replace
from datetime import date

from freezegun import freeze_time

from bot.services import programmes
from jobs.reminders import send_due_reminders

from .test_duty_reminders import ADMIN, Recorder, at, sweep


def prepare(svc):
    with freeze_time("2030-08-01 12:00:00"):
        programme, deadlines = programmes.setup_programme(
            ADMIN,
            "C1",
            "North ICB stroke services",
            svc.new_uow(),
            template="service-change",
            decision=date(2031, 3, 4),
        )
    recorder = Recorder()
    svc = replace(svc, messenger_for_team=lambda team: recorder)
    return svc, programme, {d.template_key: d for d in deadlines}, recorder


def test_key_dates_and_duties_remind_with_their_provisional_mark(any_services):
    svc = any_services
    svc, programme, deadlines, recorder = prepare(svc)
    closes = deadlines["consultation-closes"]
    assert closes.due_on == date(2030, 12, 17) and closes.provisional
    with freeze_time("2030-12-03 09:00:00"):  # 14 days before, 09:00 London (GMT)
        assert send_due_reminders(svc, at("2030-12-03 09:00:00")) == 1
    [(kind, to, text, _)] = recorder.sent
    assert (kind, to) == ("post", "C1")
    assert "Public consultation closes" in text and "provisional" in text.lower()
    # The duty that falls due with it (the consultation, meeting the Gunning principles).
    assert sweep(svc, "2030-12-03 09:00:00") == 1
    assert "Run the public consultation on genuine, viable options" in recorder.sent[-1][2]
    with freeze_time("2030-12-03 09:05:00"):  # never twice
        assert send_due_reminders(svc, at("2030-12-03 09:05:00")) == 0
    assert sweep(svc, "2030-12-03 09:05:00") == 0


def test_the_decision_date_given_is_not_provisional(any_services):
    _, programme, deadlines, recorder = prepare(any_services)
    assert deadlines["decision"].due_on == date(2031, 3, 4)
    assert not deadlines["decision"].provisional
    assert all(d.provisional for k, d in deadlines.items() if k != "decision")
