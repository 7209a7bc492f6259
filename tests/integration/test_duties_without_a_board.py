"""With no Health and Wellbeing Board in the register, `duties` says that adding one brings the
duties owed to each board (s14Z13)."""

from tests.shell_session import Session


def test_duties_without_a_board_say_how_to_bring_the_boards_duties(services):
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    listing = s.run("duties")
    assert "No Health and Wellbeing Board is in the register" in listing
    assert "3 duties owed to each board (s14Z13(4), s14Z13(8) of the NHS Act 2006" in listing
    assert '`/consult stakeholder add hwbb "<name>"`' in listing
    assert "s14Z13" not in listing.split("No Health and Wellbeing Board", 1)[0]
    assert "No Health and Wellbeing Board" not in s.run("duties eoi")
    s.run('stakeholder add hwbb "Hillingdon HWBB"')
    listing = s.run("duties")
    assert "No Health and Wellbeing Board" not in listing
    assert "NHS Act 2006 s14Z13(4)" in listing and "Hillingdon HWBB" in listing
