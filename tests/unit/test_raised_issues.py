"""The rules of issues raised: names, hashtags, states, suggestions and the pack's choice of summaries."""

from datetime import date

import pytest

from bot import raised_issues as rules
from bot.errors import UsageError


def test_names_match_however_they_are_written():
    assert rules.name_key("List-size funding") == rules.name_key("list size  FUNDING")
    assert rules.name_key("list-size-funding") == "listsizefunding"
    assert rules.read_name("  GP   workload ") == "GP workload"
    for bad in ("", "   ", "123", "x" * 81):
        with pytest.raises(UsageError):
            rules.read_name(bad)


def test_hashtags_are_found_once_each_and_channel_links_are_not_hashtags():
    text = "Raised #list-size-funding and #Workload, again #workload; see <#C123|general> and #42"
    assert rules.hashtags(text) == ["list-size-funding", "Workload"]
    assert [rules.name_key(t) for t in rules.hashtags("a#b c")] == []


@pytest.mark.parametrize(
    "typed,state",
    [
        ("responded", "responded"),
        ("plan changed", "plan-changed"),
        ("PLAN-CHANGED", "plan-changed"),
        ("not_taken_forward", "not-taken-forward"),
        ("declined", "not-taken-forward"),
        ("open", "open"),
    ],
)
def test_states_are_read_in_the_users_words(typed, state):
    assert rules.read_state(typed) == state


def test_an_unknown_state_says_which_exist():
    with pytest.raises(UsageError, match="not-taken-forward"):
        rules.read_state("maybe")


# A fixed corpus: three issues and what their engagements said.
ISSUES = {1: "List-size funding", 2: "Conflicts of interest", 3: "GP workload"}
CORPUS = {
    1: [
        "Small practices worry that funding follows registered list size",
        "Asked how the funding formula treats list turnover",
    ],
    2: [
        "LMC wants safeguards on conflicts of interest when GPs commission themselves",
        "Register of interests for committee members",
    ],
    3: [
        "Partners say workload from extra meetings is unmanageable",
        "Locum cover for committee meetings and workload",
    ],
}


def test_suggestions_rank_issues_by_words_shared_with_their_engagements():
    found = rules.suggest(
        "Concerned about the funding formula for small list practices", ISSUES, CORPUS
    )
    assert [s.issue_id for s in found] == [1]
    assert found[0].shared == ("formula", "fund", "list", "small")
    # funding and list are in the name too: one point each on top of the four shared words
    assert found[0].score == 6


def test_suggestions_order_several_matches_and_break_ties_by_the_older_issue():
    found = rules.suggest(
        "Committee members: interests, workload and locum cover for meetings", ISSUES, CORPUS
    )
    # 3 shares committee, workload, locum, cover (+1: workload is its name); 2 shares
    # committee, interest, member (+1: interest is in its name)
    assert [(s.issue_id, s.score) for s in found] == [(3, 5), (2, 4)]
    tie = rules.suggest("committee", ISSUES, CORPUS)
    assert [s.issue_id for s in tie] == [2, 3]  # one shared word each: the older issue first


def test_nothing_is_suggested_from_words_that_say_nothing():
    assert rules.suggest("Discussed it at the meeting with the practice", ISSUES, CORPUS) == []
    assert rules.suggest("", ISSUES, CORPUS) == []


def test_suggestions_are_the_same_every_time():
    text = "funding of committee workload and list size"
    assert rules.suggest(text, ISSUES, CORPUS) == rules.suggest(
        text, dict(reversed(ISSUES.items())), CORPUS
    )


def _c(eid, day, summary, *types):
    return rules.Candidate(eid, date(2014, 7, day), summary, tuple(types))


def test_representatives_show_the_spread_of_types_then_the_latest():
    chosen = rules.representatives(
        [
            _c(1, 1, "Practice A on funding", "practice"),
            _c(2, 2, "Practice B on funding", "practice"),
            _c(3, 3, "LMC on funding", "lmc"),
            _c(4, 4, "Practice C on funding", "practice"),
            _c(5, 5, "practice c ON funding", "practice"),  # says the same as #4
        ]
    )
    # The latest practice one (#5), the LMC (#3), then the latest other (#2, since #4 repeats #5)
    assert [c.engagement_id for c in chosen] == [2, 3, 5]


def test_representatives_of_a_small_issue_are_all_it_has():
    assert [c.engagement_id for c in rules.representatives([_c(7, 1, "Only one", "hwbb")])] == [7]
    assert rules.representatives([]) == []


def test_an_issue_waits_for_an_answer_when_many_raised_it_long_ago():
    today = date(2015, 1, 31)
    old = date(2015, 1, 1)
    assert rules.is_waiting("open", rules.MANY_STAKEHOLDERS, old, today)
    assert not rules.is_waiting("responded", 10, old, today)
    assert not rules.is_waiting("open", rules.MANY_STAKEHOLDERS - 1, old, today)
    assert not rules.is_waiting("open", 10, today, today)
