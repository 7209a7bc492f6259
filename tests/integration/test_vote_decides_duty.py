"""A vote discharges a duty only when linked to it and carried under its own rule and quorum;
the duty names the vote that discharged it wherever it is shown."""

from tests.shell_session import Session


def _programme(services) -> tuple[Session, str]:
    s = Session(services)
    s.run('setup "Hill" --template co-commissioning --year 2014 --model joint')
    for code in ("E1", "E2", "E3"):
        s.run(f'stakeholder add practice "Surgery {code}" --code {code}')
    with services.new_uow() as uow:
        support = uow.duties.by_key(1, "member-practice-support")
    return s, str(support.id)


def _state(services, duty_id: str) -> str:
    with services.new_uow() as uow:
        return uow.duties.get(1, int(duty_id)).state


def test_a_vote_that_decides_no_duty_changes_none(services):
    s, support = _programme(services)
    s.run('vote open "Should we hold a summer party?" --closes "in 10 days"')
    s.run("vote record E1 for")
    assert "Carried" in s.run("vote close --yes")
    assert _state(services, support) == "open"
    shown = s.run(f"duty show {support}")
    assert f"--duty {support}" in shown and "Only a vote linked to it" in shown
    assert "Vote 1: Should we hold a summer party? (carried)" not in s.pack()  # no evidence


def test_a_linked_vote_short_of_quorum_leaves_the_duty_open_and_says_why(services):
    s, support = _programme(services)
    opened = s.run(
        f'vote open "Support the constitution change?" --closes "in 10 days" --quorum 50% '
        f"--duty {support}"
    )
    assert f"Decides duty {support}" in opened
    s.run("vote record E1 for")
    closed = s.run("vote close --yes")
    assert f"Duty *{support}*" in closed and "stays open: the vote did not carry" in closed
    assert "below the 50% quorum" in closed
    assert _state(services, support) == "open"
    assert "vote #1 did not carry" in s.run("duties")
    refused = s.run(f"duty done {support} --vote 1")
    assert "did not carry" in refused and "stays as it was" in refused
    assert _state(services, support) == "open"


def test_a_linked_vote_that_carries_discharges_it_and_is_named_everywhere(services):
    s, support = _programme(services)
    s.run(f'vote open "Support the change?" --closes "in 10 days" --quorum 50% --duty {support}')
    s.run("vote record E1 for")
    s.run("vote record E2 for")
    assert "is done, with this vote as its evidence" in s.run("vote close --yes")
    assert _state(services, support) == "done"
    named = "done by vote #1 “Support the change?”, carried"
    assert named in s.run("duties")
    shown = s.run(f"duty show {support}")
    assert named in shown and "• vote #1 “Support the change?”, carried" in shown
    assert "Vote 1: Support the change? (carried)" in s.pack()


def test_duty_done_with_a_vote_links_an_open_one_and_records_a_closed_one(services):
    s, support = _programme(services)
    s.run('vote open "Lost?" --closes "in 10 days"')
    s.run("vote record E1 against")
    s.run("vote close --yes")
    s.run('vote open "Support?" --closes "in 10 days"')
    linked = s.run(f"duty done {support} --vote 2")
    assert "still open; it now decides" in linked and _state(services, support) == "open"
    assert "to be decided by vote #2" in s.run("duties")
    s.run("vote record E1 for")
    s.run("vote close --yes")
    assert _state(services, support) == "done"
    # Bad input changes nothing and says how to do it right.
    assert "not a vote number" in s.run(f"duty done {support} --vote party")
    assert "no vote #9" in s.run(f"duty done {support} --vote 9")
    assert "already done, with vote #2" in s.run(f"duty done {support} --vote 2")
    assert "Duty 99" in s.run('vote open "x?" --closes "in 10 days" --duty 99') or (
        "no duty 99" in s.run('vote open "x?" --closes "in 10 days" --duty 99')
    )
    assert "is done, so no vote can decide it" in s.run(
        f'vote open "x?" --closes "in 10 days" --duty {support}'
    )
    with services.new_uow() as uow:
        assert len(uow.votes.list(1)) == 2
