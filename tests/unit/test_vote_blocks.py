"""The vote's Slack messages: buttons, the practice picker, escaping of typed text."""

from dataclasses import dataclass
from datetime import UTC, datetime

from blocks.votes import (
    ballot_reply,
    practice_picker,
    result_text,
    tally_text,
    vote_message,
)
from bot import votes
from bot.services.votes import BallotOutcome, PracticeChoice, VoteView


@dataclass
class V:
    id: int = 7
    question: str = "Take on <b>joint</b> & delegated?"
    rule: str = "two-thirds"
    quorum_percent: int | None = 50
    weighted: bool = True
    group_name: str | None = None
    state: str = "open"
    opened_by: str = "UADMIN"
    closes_at: datetime = datetime(2015, 3, 4, 17, tzinfo=UTC)
    closed_at: datetime | None = None
    closed_by: str | None = None


@dataclass
class P:
    name: str = "Hillingdon"
    timezone: str = "Europe/London"
    channel_id: str = "C1"


@dataclass
class S:
    id: int
    name: str
    code: str | None = None


def view(vote=None, pattern="FFA."):
    es = [votes.Elector(i + 1, f"P{i}", f"E{i}", 1000) for i in range(len(pattern))]
    code = {"F": "for", "A": "against", "X": "abstain"}
    casts = [votes.Cast(i + 1, code[c]) for i, c in enumerate(pattern) if c != "."]
    v = vote or V()
    return VoteView(
        P(),
        v,
        es,
        votes.tally(es, casts, rule=v.rule, quorum_percent=v.quorum_percent, weighted=v.weighted),
    )


def test_vote_message_has_the_terms_and_three_buttons_and_escapes_the_question():
    text, blocks = vote_message(view())
    assert "&lt;b&gt;joint&lt;/b&gt; &amp; delegated" in text and "<b>" not in str(blocks)
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        ("vote_for", "7"),
        ("vote_against", "7"),
        ("vote_abstain", "7"),
    ]
    fields = " ".join(
        f["text"] for b in blocks if b["type"] == "section" for f in b.get("fields", [])
    )
    assert "Two-thirds majority, quorum 50%, weighted by list size" in fields
    assert "Wed 4 Mar 2015 17:00" in fields and "4 member practices (list size 4,000)" in fields


def test_picker_has_one_button_per_practice_within_slack_limits():
    practices = [S(i, f"Practice {i}", f"E{i}") for i in range(1, 31)]
    text, blocks = practice_picker(PracticeChoice(P(), V(), "against", practices))
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30 and all(
        len(b["elements"]) <= 25 for b in blocks if b["type"] == "actions"
    )
    assert buttons[0]["value"] == "7:against:1" and buttons[0]["action_id"] == "vote_pick_1"
    assert len({b["action_id"] for b in buttons}) == 30 and "Against" in text


def test_ballot_reply_says_what_was_recorded_for_which_practice():
    first = BallotOutcome(P(), V(), S(1, "Acorn & Co", "E1"), "for", None, True)
    assert ballot_reply(first).startswith("Recorded: *Acorn &amp; Co* (E1) votes *For*")
    change = BallotOutcome(P(), V(), S(1, "Acorn", "E1"), "abstain", "for", True)
    assert "now votes *Abstain* (was For)" in ballot_reply(change)
    same = BallotOutcome(P(), V(), S(1, "Acorn", "E1"), "for", "for", False)
    assert "already recorded" in ballot_reply(same)


def test_tally_and_result_show_both_measures_and_the_checksum():
    v = view()
    text = tally_text(v)
    assert "Practices: For 2 · Against 1 · Abstain 0 · Not yet voted 1" in text
    assert "List size: For 2,000 · Against 1,000" in text and "*If it closed now*: Carried" in text
    closed = V(state="closed", closed_at=datetime(2015, 3, 4, 17, tzinfo=UTC), closed_by="consult")
    r = result_text(view(closed))
    assert "has closed (at its closing time): CARRIED" in r and v.tally.checksum in r
    assert "NOT CARRIED" in result_text(view(closed, "FAA."))
