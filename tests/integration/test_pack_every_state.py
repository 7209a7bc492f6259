"""The evidence pack renders for every state a duty, deadline, vote or issue can reach, reached
through the commands people type (cancelled and not applicable included)."""

import re

from tests.shell_session import Session


def _ids(text: str, pattern: str) -> list[str]:
    return re.findall(pattern, text)


def test_the_pack_renders_after_a_second_board_cancels_the_invitation(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    s.run('stakeholder add hwbb "Hillingdon HWBB"')
    said = s.run('stakeholder add hwbb "Ealing HWBB"')
    html = s.pack()
    # The first board's invitation waits for the agreement: kept, shown as cancelled, and why.
    assert "Cancelled: not needed now (1)" in html
    assert "Issue Hillingdon HWBB a standing invitation" in html
    assert ">cancelled</span>" in html and "Waiting for the agreement" in html
    assert said  # the board was added


def test_the_pack_renders_after_the_model_goes_back_to_greater_involvement(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    s.run('stakeholder add hwbb "Hillingdon HWBB"')
    assert "Done: the model is now *greater-involvement*" in s.run(
        "programme model greater-involvement"
    )
    html = s.pack()
    assert "Cancelled: not needed now" in html and "Not needed under greater-involvement" in html
    assert "Win member practices&#39; support" in html


def test_the_pack_renders_for_every_state(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    for code in ("E1", "E2", "E3"):
        s.run(f'stakeholder add practice "Surgery {code}" --code {code} --list-size 1000')
    s.run('stakeholder add hwbb "Hillingdon HWBB"')
    s.run('stakeholder add hwbb "Ealing HWBB"')  # cancels the first board's invitation
    listing = s.run("duties")
    open_ids = _ids(listing, r"○ \*(\d+)\*")
    done, na = open_ids[0], open_ids[1]
    assert "Done" in s.run(f"duty done {done} --evidence https://example.org/plan.pdf")
    assert "Not applicable" in s.run(f'duty na {na} "Covered by the ICS board"')
    # Deadlines: done, cancelled and open.
    assert "done" in s.run("deadline done 1").lower()
    assert "cancel" in s.run("deadline cancel 2").lower()
    # Votes: carried, lost, short of quorum, counted in a meeting, and one still open.
    s.run('vote open "Carried?" --closes "in 10 days"')
    s.run("vote record E1 for")
    s.run("vote close")
    s.run('vote open "Lost?" --closes "in 10 days"')
    s.run("vote record E1 against")
    s.run("vote close")
    s.run('vote open "Quorate?" --closes "in 10 days" --quorum 90%')
    s.run("vote record E1 for")
    s.run("vote close")
    s.run('vote open "Met?" --closes "in 10 days"')
    s.run("vote tally set --for 2 --against 1 --abstain 0")
    s.run("vote close")
    s.run('vote open "Still open?" --closes "in 10 days"')
    # Issues: open, responded, plan changed, not taken forward, and one merged into another.
    for name in ("Workload", "Conflicts", "Access", "Estates", "Parking"):
        s.run(f'issue add "{name}"')
    s.run('issue respond Conflicts "Register of interests" --state responded')
    s.run('issue respond Access "Extended hours" --state plan-changed')
    s.run('issue respond Estates "Not ours" --state not-taken-forward --reason "NHS England\'s"')
    s.run("issue merge Parking Estates")
    html = s.pack()
    for shown in (
        ">cancelled</span>",
        "not applicable",
        "Covered by the ICS board",
        "Expression of interest to NHS England (sections A to H) (done)",
        "Carried?",
        "Lost?",
        "Quorate?",
        "Met?",
        "Still open?",
        "Register of interests",
        "Extended hours",
        "Not ours",
    ):
        assert shown in html, shown
    assert "Joint commissioning proforma to NHS England" not in html  # cancelled: left out
    assert "Parking" not in html.split("You said, we did", 1)[1].split("</table>", 1)[0]


def test_the_duties_chart_counts_the_tables_under_it(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    s.run('stakeholder add hwbb "Hillingdon HWBB"')
    section = s.pack().split('<section id="duties"', 1)[1].split("</section>", 1)[0]
    tables = [
        int(n) for n in re.findall(r'<h3 class="kind" id="kind-\w+">[^<(]+\((\d+)\)', section)
    ]
    [of] = re.findall(r"not applicable, of (\d+)", section.split("<h3", 1)[0])[:1]
    assert sum(tables) == int(of) == 8
    assert "Statutory duties: 0 done" not in section  # the chart is not only the statutory ones
