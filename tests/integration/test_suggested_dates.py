"""4 March 2015 is Hillingdon CCG's own vote date: every view offers it as that CCG's date, a
suggestion to confirm, not as a date NHS England set."""

import pytest
from icalendar import Calendar

from bot.context import Actor
from bot.services import calendar as cal
from tests.shell_session import Session

HILLINGDON = "Hillingdon CCG's own date, offered as a suggestion: each CCG sets its own"


def _feed(services) -> dict[str, str]:
    """Summary -> description of each event in the programme's calendar feed."""
    from handlers.console import LOCAL_TEAM

    issued = cal.issue_feed(Actor(LOCAL_TEAM, "admin"), "C1", services.new_uow(), "https://x.org")
    token = issued.web.rsplit("/", 1)[1].removesuffix(".ics")
    body = cal.fetch_feed(services.new_uow(), token).body
    return {
        str(e["SUMMARY"]): str(e.get("DESCRIPTION", ""))
        for e in Calendar.from_ical(body).walk("VEVENT")
    }


@pytest.mark.parametrize("year", [2014, 2026])
def test_the_local_vote_date_is_that_ccgs_suggestion_in_every_view(services, year):
    s = Session(services)
    setup = s.run(f'setup "Hill" --template co-commissioning --year {year} --model joint')
    vote_line = next(x for x in setup.splitlines() if "Member practice vote" in x)
    assert HILLINGDON in vote_line
    listing = s.run("deadlines --all")
    vote_line = next(x for x in listing.splitlines() if "Member practice vote" in x)
    assert "provisional: date to confirm" in vote_line and HILLINGDON in vote_line
    # The national dates are not anyone's suggestion.
    eoi = next(x for x in listing.splitlines() if "Expression of interest" in x)
    assert "Hillingdon" not in eoi
    with services.new_uow() as uow:
        support = uow.duties.by_key(1, "member-practice-support")
    assert HILLINGDON in s.run("duties")
    assert HILLINGDON in s.run(f"duty show {support.id}")
    pack = s.pack()
    assert (
        pack.count(HILLINGDON.replace("'", "&#39;")) == 2
    )  # the duty's due date, and the timeline's
    feed = _feed(services)
    [vote_event] = [d for t, d in feed.items() if "Member practice vote" in t]
    assert "Hillingdon CCG" in vote_event.replace("\n", " ")
    [duty_event] = [d for t, d in feed.items() if "Win member practices" in t]
    assert "Hillingdon CCG" in duty_event.replace("\n", " ")


def test_once_confirmed_it_is_the_programmes_own_date(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    listing = s.run("deadlines --all")
    vote_id = next(x for x in listing.splitlines() if "Member practice vote" in x).split("`")[1]
    assert "is confirmed" in s.run(f"deadline confirm {vote_id.lstrip('#')}")
    assert "Hillingdon CCG's own date" not in s.run("deadlines --all")
    assert "Hillingdon CCG's own date" not in s.run("duties")
    assert "Hillingdon CCG&#39;s own date" not in s.pack()
