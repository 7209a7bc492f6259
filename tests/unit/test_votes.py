"""The vote rules of SPEC section 3, with and without quorum and weighting."""

from datetime import UTC, datetime

import pytest

from bot import votes
from bot.votes import (
    CARRIED,
    NO_ELECTORATE,
    NO_QUORUM,
    NOT_CARRIED,
    TIE,
    Aggregate,
    Cast,
    Elector,
    checksum,
    forecast,
    tally,
)


def electorate(n, sizes=None):
    sizes = sizes or [1000] * n
    return [Elector(i + 1, f"Practice {i + 1:02d}", f"E85{i + 1:03d}", sizes[i]) for i in range(n)]


def cast(pattern: str):
    """'FFAX.' -> ballots of practices 1..n: F for, A against, X abstain, . not voted."""
    code = {"F": "for", "A": "against", "X": "abstain"}
    return [Cast(i + 1, code[c]) for i, c in enumerate(pattern) if c != "."]


def run(pattern, rule="simple", quorum=None, weighted=False, sizes=None):
    return tally(
        electorate(len(pattern), sizes),
        cast(pattern),
        rule=rule,
        quorum_percent=quorum,
        weighted=weighted,
    )


# -- simple ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern,outcome",
    [
        ("FFA..", CARRIED),  # more for than against
        ("FA...", TIE),  # a tie is not carried
        ("FAA..", NOT_CARRIED),
        ("FXXXX", CARRIED),  # abstentions don't count against
        ("XXXXX", NOT_CARRIED),  # all abstain: nobody for
        (".....", NOT_CARRIED),  # nobody voted
    ],
)
def test_simple_majority(pattern, outcome):
    t = run(pattern)
    assert t.outcome == outcome
    assert t.carried is (outcome == CARRIED)
    assert t.quorum_met  # no quorum set


def test_simple_counts_and_not_voted_are_named():
    t = run("FFAX..")
    assert (t.practices.for_, t.practices.against, t.practices.abstain, t.practices.not_voted) == (
        2,
        1,
        1,
        2,
    )
    assert [e.name for e in t.not_voted] == ["Practice 05", "Practice 06"]
    assert t.practices.turnout == 4 and t.practices.turnout_percent == pytest.approx(
        66.67, abs=0.01
    )


# -- absolute --------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern,outcome",
    [
        ("FFFA.", CARRIED),  # 3 of 5 > half
        ("FF...", NOT_CARRIED),  # 2 of 5 is not more than half, though nobody is against
        ("FFAA", TIE),  # exactly half of 4: a tie is not carried
        ("FFF.....", NOT_CARRIED),
        ("FFFFF...", CARRIED),
    ],
)
def test_absolute_majority_counts_against_the_whole_electorate(pattern, outcome):
    assert run(pattern, "absolute").outcome == outcome


# -- two-thirds ------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern,outcome",
    [
        ("FFA", CARRIED),  # exactly two thirds is enough
        ("FFAA", NOT_CARRIED),
        ("FFFFFFAAAX", CARRIED),  # 6 of 9: exactly two thirds (abstention left out)
        ("FFFFFAAAX", NOT_CARRIED),  # 5 of 8: below two thirds
        ("FFFFFFAAXX", CARRIED),  # 6 of 8 = 75%
        ("FA", NOT_CARRIED),  # a tie
        ("XXX", NOT_CARRIED),  # all abstain
        ("F..", CARRIED),  # 1 of 1 decided
    ],
)
def test_two_thirds_of_for_and_against(pattern, outcome):
    assert run(pattern, "two-thirds").outcome == outcome


# -- quorum ----------------------------------------------------------------------


def test_quorum_exactly_met_counts_abstentions():
    # 10 practices, quorum 40%: 4 ballots (one an abstention) is exactly enough.
    t = run("FFAX......", quorum=40)
    assert t.quorum_met and t.outcome == CARRIED and t.quorum_needed == 4
    t = run("FFA.......", quorum=40)
    assert not t.quorum_met and t.outcome == NO_QUORUM and not t.carried


def test_quorum_rounds_up_and_applies_to_every_rule():
    # 7 practices at 50%: 3.5 -> 4 needed.
    assert run("FFF....", quorum=50).outcome == NO_QUORUM
    assert run("FFFX...", quorum=50).outcome == CARRIED
    assert (
        run("FFFX...", "absolute", quorum=50).outcome == NOT_CARRIED
    )  # 3 of 7 is not more than half
    assert run("FFFF...", "absolute", quorum=50).outcome == CARRIED
    assert run("FFAX...", "two-thirds", quorum=50).outcome == CARRIED
    assert run("FFA....", "two-thirds", quorum=50).outcome == NO_QUORUM
    assert run("XXXX...", quorum=50).outcome == NOT_CARRIED  # quorum met by abstentions, nobody for


def test_all_abstain_meets_quorum_but_does_not_carry_under_any_rule():
    for rule in votes.RULES:
        t = run("XXXX", rule, quorum=100)
        assert t.quorum_met and not t.carried


# -- weighting -------------------------------------------------------------------


def test_weighted_counts_list_size_not_practices():
    sizes = [10_000, 2_000, 2_000, 2_000, 1_000]
    unweighted = run("FAAA.", sizes=sizes)
    weighted = run("FAAA.", weighted=True, sizes=sizes)
    assert unweighted.outcome == NOT_CARRIED  # 1 practice for, 3 against
    assert weighted.outcome == CARRIED  # 10,000 for, 6,000 against
    assert (weighted.list_size.for_, weighted.list_size.against, weighted.list_size.not_voted) == (
        10_000,
        6_000,
        1_000,
    )
    assert weighted.deciding is weighted.list_size and unweighted.deciding is unweighted.practices


def test_weighted_quorum_and_absolute_use_list_size():
    sizes = [5_000, 1_000, 1_000, 1_000, 2_000]  # total 10,000
    # One big practice for: 1 of 5 practices turn out (20%) but 50% of the list size.
    t = run("F....", "absolute", quorum=50, weighted=True, sizes=sizes)
    assert t.quorum_met and t.outcome == TIE  # exactly half of the list size: not carried
    t = run("F...F", "absolute", quorum=50, weighted=True, sizes=sizes)
    assert t.outcome == CARRIED
    assert run("F....", "absolute", quorum=50, sizes=sizes).outcome == NO_QUORUM


def test_weighted_tie_and_two_thirds():
    assert (
        run("FAA.", weighted=True, sizes=[3_000, 1_000, 2_000, 2_000]).outcome == TIE
    )  # 3,000 v 3,000
    assert run("FAA.", weighted=True, sizes=[3_000, 1_000, 2_001, 2_000]).outcome == NOT_CARRIED
    assert run("FAA.", sizes=[3_000, 1_000, 2_001, 2_000]).outcome == NOT_CARRIED  # 1 practice v 2
    assert run("FA.A", "simple", weighted=True, sizes=[3_000, 2_999, 1, 1]).outcome == TIE
    assert (
        run("FFA.", "two-thirds", weighted=True, sizes=[4_000, 2_000, 3_000, 1]).outcome == CARRIED
    )  # 6,000 of 9,000
    assert (
        run("FFA.", "two-thirds", weighted=True, sizes=[4_000, 1_999, 3_000, 1]).outcome
        == NOT_CARRIED
    )


# -- empty electorate ------------------------------------------------------------


@pytest.mark.parametrize("rule", votes.RULES)
def test_empty_electorate_has_no_result(rule):
    t = tally([], [], rule=rule, quorum_percent=50)
    assert t.outcome == NO_ELECTORATE and not t.carried and "empty" in t.explain()
    t = tally([], [], rule=rule, weighted=True)
    assert t.outcome == NO_ELECTORATE


def test_weighted_electorate_with_no_list_size_has_no_result():
    t = tally(electorate(2, [0, 0]), cast("FF"), weighted=True)
    assert t.outcome == NO_ELECTORATE


# -- aggregate counts ------------------------------------------------------------


def test_aggregate_follows_the_same_rules():
    es = electorate(40)
    t = tally(es, aggregate=Aggregate(20, 8, 2), rule="two-thirds", quorum_percent=50)
    assert (
        t.mode == "aggregate"
        and t.outcome == CARRIED
        and t.practices.not_voted == 10
        and t.not_voted == ()
    )
    assert tally(es, aggregate=Aggregate(10, 8, 1), quorum_percent=50).outcome == NO_QUORUM
    assert tally(es, aggregate=Aggregate(10, 10, 0)).outcome == TIE


def test_aggregate_cannot_exceed_the_electorate_or_mix_with_ballots():
    es = electorate(5)
    with pytest.raises(ValueError, match="electorate is 5"):
        tally(es, aggregate=Aggregate(3, 2, 1))
    with pytest.raises(ValueError, match="never both"):
        tally(es, cast("F"), aggregate=Aggregate(1, 0, 0))
    assert votes.check_aggregate(Aggregate(1, 1, 0, 3_000, 3_000, 0), 5, 5_000, True) == [
        "the list sizes add up to 6,000 but the electorate's is 5,000"
    ]
    assert "needs the list size" in votes.check_aggregate(Aggregate(1, 1, 0), 5, 5_000, True)[0]
    weighted = tally(es, aggregate=Aggregate(1, 2, 0, 3_000, 1_500, 0), weighted=True)
    assert weighted.outcome == CARRIED  # 3,000 v 1,500 though 1 practice v 2


def test_ballots_must_come_from_the_electorate_once_each():
    with pytest.raises(ValueError, match="not in the electorate"):
        tally(electorate(2), [Cast(9, "for")])
    with pytest.raises(ValueError, match="two ballots"):
        tally(electorate(2), [Cast(1, "for"), Cast(1, "against")])


# -- checksum --------------------------------------------------------------------


def test_checksum_covers_the_ballots_and_nothing_else():
    a = run("FFAX.")
    b = tally(list(reversed(electorate(5))), list(reversed(cast("FFAX."))))  # order doesn't matter
    assert a.checksum == b.checksum and len(a.checksum) == 64
    assert run("FFAA.").checksum != a.checksum  # one choice differs
    assert (
        run("FFAX.", sizes=[1000, 1000, 1000, 999, 1000]).checksum != a.checksum
    )  # a list size differs
    # Rebuildable from an export's (code, list size, choice) rows; rows without a choice are left out.
    rows = [
        ("E85001", 1000, "for"),
        ("E85002", 1000, "for"),
        ("E85003", 1000, "against"),
        ("E85004", 1000, "abstain"),
        ("E85005", 1000, ""),
    ]
    assert checksum(rows) == a.checksum


# -- forecast --------------------------------------------------------------------


def test_forecast_projects_positions_of_those_yet_to_vote():
    es = electorate(6)
    now = tally(es, cast("FA...."))
    fc = forecast(now, es, {3: "support", 4: "oppose", 5: "undecided", 2: "support"})
    # Practice 2 has voted against: its position is ignored. 5 is undecided, 6 never engaged.
    assert fc.projected == {3: "for", 4: "against"}
    assert [e.stakeholder_id for e in fc.undecided] == [5, 6]
    assert (fc.tally.practices.for_, fc.tally.practices.against) == (
        2,
        2,
    ) and fc.tally.outcome == TIE
    fc = forecast(now, es, {3: "support", 4: "support", 6: "neutral"})
    assert fc.tally.outcome == CARRIED and fc.tally.practices.abstain == 1
    assert forecast(tally(es, aggregate=Aggregate(1, 0, 0)), es, {}) is None


# -- reminders -------------------------------------------------------------------


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_reminders_7_and_1_working_days_before_and_on_the_closing_day():
    closes = utc(2015, 3, 4, 17, 0)  # Wed 4 March 2015, 17:00 GMT
    slots = votes.reminder_slots(closes, "Europe/London")
    assert slots == [
        ("7", utc(2015, 2, 23, 9)),
        ("1", utc(2015, 3, 3, 9)),
        ("0", utc(2015, 3, 4, 9)),
    ]
    opened = utc(2015, 2, 2, 9)
    assert votes.current_reminder(closes, opened, "Europe/London", utc(2015, 2, 23, 8, 59)) is None
    assert votes.current_reminder(closes, opened, "Europe/London", utc(2015, 2, 25, 12))[0] == "7"
    assert votes.current_reminder(closes, opened, "Europe/London", utc(2015, 3, 4, 10))[0] == "0"
    # A vote opened after the 7-day reminder time does not send it.
    assert (
        votes.current_reminder(closes, utc(2015, 2, 24), "Europe/London", utc(2015, 2, 25, 12))
        is None
    )
    assert votes.turnout_warning_at(closes, "Europe/London") == utc(2015, 3, 3, 9)


def test_reminders_skip_weekends_and_bank_holidays_and_follow_summer_time():
    closes = utc(
        2015, 4, 7, 16, 0
    )  # Tue 7 April 2015 17:00 BST, after the Easter Monday bank holiday
    slots = dict(votes.reminder_slots(closes, "Europe/London"))
    assert slots["1"] == utc(
        2015, 4, 2, 8
    )  # Thu 2 April 09:00 BST (Good Friday and Easter Monday skipped)
    assert slots["7"] == utc(2015, 3, 25, 9)  # Wed 25 March, still GMT
    early = utc(2015, 3, 4, 8, 0)  # a vote closing at 08:00 gets no closing-day reminder at 09:00
    assert [label for label, _ in votes.reminder_slots(early, "Europe/London")] == ["7", "1"]


def test_explanations_name_the_figures():
    assert run("FFA..").explain() == "Carried: 2 for, more than 1 against."
    assert "a tie" in run("FA...").explain()
    assert "below the 50% quorum (needs 3 of 5)" in run("F....", quorum=50).explain()
    assert "of list size" in run("F....", weighted=True).explain()
