"""A programme set up mid-cycle (or for a past cycle) is not failing before it begins: dates
that had passed before it was set up are shown as such, never as overdue, in every view."""

import pytest
from freezegun import freeze_time

from bot import clock
from bot.services.coverage import home_for
from tests.shell_session import Session

BEFORE = "passed before the programme began"


@pytest.mark.parametrize("year", [2026, 2014])
def test_dates_before_set_up_are_not_overdue_in_any_view(services, year):
    s = Session(services)
    with freeze_time("2026-12-07 10:00:00"):
        setup = s.run(f'setup "Hill" --template co-commissioning --year {year} --model joint')
        views = {
            "deadlines": s.run("deadlines --all"),
            "eoi": s.run("duties eoi"),
            "duties": s.run("duties"),
            "digest": s.run("digest now"),
        }
        pack = s.pack()
        home = home_for(s.actor, services.new_uow())
    assert "shown as passed before the programme began, not as overdue" in setup
    assert "--year 2027` is the first cycle whose dates are all still to come" in setup
    for name, text in views.items():
        assert "overdue" not in text.lower().replace("not counted as overdue", ""), name
        assert " ago)" not in text and " late)" not in text, name
    assert "Overdue" not in views["digest"] and "past due" not in views["digest"]
    assert "A quiet week" in views["digest"]  # the headline counts nothing as overdue
    eoi_items = views["eoi"].count(f"({BEFORE})")
    assert eoi_items == 8 and f"8 open (8 {BEFORE})" in views["eoi"]
    # The digest counts the same items as the duties and deadlines lists show.
    listed = sum(views[v].count(f"({BEFORE})") for v in ("deadlines", "eoi", "duties"))
    assert f"{listed} dates had passed before the programme began" in views["digest"]
    assert BEFORE in pack
    # The Home tab lists only what is still to come.
    [shown] = home.programmes
    assert all(d.due_on >= clock.today_in("Europe/London") for d in shown.deadlines)


def test_a_date_that_passes_after_set_up_is_overdue(services):
    s = Session(services)
    with freeze_time("2026-12-07 10:00:00"):
        s.run('setup "Hill" --template co-commissioning --year 2026 --model joint')
    with freeze_time("2027-02-08 10:00:00"):  # after the joint proforma of Fri 29 Jan 2027
        listing = s.run("deadlines --all")
        digest = s.run("digest now")
    proforma = next(x for x in listing.splitlines() if "Joint commissioning proforma" in x)
    assert "6 working days overdue" in proforma
    assert "Deadlines still open after their date (1)" in digest
    assert "Joint commissioning proforma" in digest.split("Deadlines still open", 1)[1]
