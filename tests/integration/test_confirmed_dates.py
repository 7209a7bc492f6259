"""A confirmed (or moved) template date says who set it and when; its sources stay, worded as
the milestone's, not the date's."""

from freezegun import freeze_time

from tests.integration.test_suggested_dates import _feed
from tests.shell_session import Session


def _line(listing: str, title: str) -> str:
    lines = listing.splitlines()
    i = next(n for n, x in enumerate(lines) if title in x)
    return "\n".join(lines[i : i + 3])


def test_a_confirmed_date_says_who_confirmed_it_and_when(services):
    s = Session(services)
    with freeze_time("2026-12-02 10:00:00"):
        s.run('setup "Hill" --template co-commissioning --year 2026 --model joint')
        listing = s.run("deadlines")
        before = _line(listing, "Member practice vote")
        assert "_Source: Hillingdon CCG report" in before and "confirmed by" not in before
        vote_id = before.split("`")[1].lstrip("#")
        proforma_id = _line(listing, "Joint commissioning proforma").split("`")[1].lstrip("#")
    with freeze_time("2026-12-07 10:00:00"):
        assert "is confirmed" in s.run(f"deadline confirm {vote_id}")
        assert "now on" in s.run(f"deadline move {proforma_id} 1 Feb 2027")
        listing = s.run("deadlines")
    after = _line(listing, "Member practice vote")
    assert "_Milestone's source: Hillingdon CCG report" in after and "_Source:" not in after
    assert "Date confirmed by @admin on Mon 7 Dec 2026" in after
    moved = _line(listing, "Joint commissioning proforma")
    assert "Milestone's source: Southern Derbyshire" in moved
    assert "Date moved by @admin on Mon 7 Dec 2026" in moved
    # The pack's timeline and the calendar say the same.
    pack = s.pack()
    assert "Milestone&#39;s source: Hillingdon CCG report" in pack
    assert "Date confirmed by admin" in pack and "on Mon 7 Dec 2026." in pack
    [event] = [d for t, d in _feed(services).items() if "Member practice vote" in t]
    event = event.replace("\n", " ")
    assert "Milestone's source: Hillingdon" in event and "Date confirmed in Consult" in event
