"""One date, one count: time left is counted in working days in every view."""

import re

from freezegun import freeze_time

from tests.shell_session import Session


def test_deadlines_duties_and_the_digest_count_the_same_working_days(services):
    s = Session(services)
    with freeze_time("2026-12-07 10:00:00"):  # a Monday
        s.run('setup "Hill" --template co-commissioning --year 2026 --model joint')
        # Fri 29 Jan 2027: the joint proforma, and the committee duty due with it.
        deadlines = s.run("deadlines")
        duties = s.run("duties")
        s.run('deadline add "Board paper" 18 Dec 2026')
        with services.new_uow() as uow:
            duty = uow.duties.by_key(1, "healthwatch-representative")
        s.run(f"duty due {duty.id} 18 Dec 2026")
        digest = s.run("digest now")
        shown = s.run(f"duty show {duty.id}")
        duties_again = s.run("duties")
    proforma = next(x for x in deadlines.splitlines() if "Joint commissioning proforma" in x)
    committee = next(x for x in duties.splitlines() if "due Fri 29 Jan 2027" in x)
    [left] = re.findall(r"\((\d+) working days left\)", proforma)
    assert f"({left} working days left)" in committee
    assert " days)" not in duties and "in 5" not in duties  # no calendar-day counts
    # 18 Dec 2026 is 9 working days after Mon 7 Dec: the same in the digest, duty show and duties.
    assert "Board paper* (9 working days left)" in digest
    assert "(9 working days left)" in shown
    line = next(x for x in duties_again.splitlines() if "due Fri 18 Dec 2026" in x)
    assert "(9 working days left)" in line
