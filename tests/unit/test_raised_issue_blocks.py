"""Replies and Block Kit for issues raised: valid for Slack, and saying what happened."""

from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from blocks import raised_issues as b
from blocks.engagement import engagement_form, read_issue_values
from bot.raised_issues import Suggestion


@dataclass
class Issue:
    id: int
    name: str
    stakeholders: int = 0
    engagements: int = 0
    first_raised_on: date | None = None
    last_raised_on: date | None = None
    state: str = "open"
    response: str | None = None
    response_owner: str | None = None
    responded_on: date | None = None


@dataclass
class P:
    id: int
    name: str


def test_suggestion_buttons_are_valid_block_kit_and_carry_what_to_tag():
    found = [Suggestion(n, "N" * 200 + str(n), 5 - n, ("fund", "list")) for n in range(1, 6)]
    text, blocks = b.suggestion_reply(7, 42, [], found)
    for block in blocks:
        Block.parse(block).validate_json()
    buttons = blocks[1]["elements"]
    assert len(buttons) == 5 and buttons[-1]["text"]["text"] == "Leave untagged"
    assert len({x["action_id"] for x in buttons}) == 5
    assert b.read_suggestion_value(buttons[0]["value"]) == (7, 42, 1)
    assert b.read_suggestion_value("7:x:1") is None
    assert "/consult issue tag 42 <issue>" in text


def test_the_form_offers_the_programmes_issues_and_a_new_one():
    programmes = [P(1, "North"), P(2, "South")]
    issues = {1: [Issue(3, "Funding")], 2: [Issue(4, "Estates"), Issue(5, "Workload")]}
    view = engagement_form(programmes, date(2015, 1, 5), channel_id=None, issues=issues)
    View(**view).validate_json()
    [picker] = [x for x in view["blocks"] if x.get("block_id") == "issues"]
    groups = picker["element"]["option_groups"]
    assert [[o["value"] for o in g["options"]] for g in groups] == [["1:3"], ["2:4", "2:5"]]
    assert read_issue_values(["1:3", "2:5", "bad", "2:x"]) == {1: [3], 2: [5]}
    one = engagement_form(programmes[:1], date(2015, 1, 5), channel_id="C1", issues={1: []})
    assert [x.get("block_id") for x in one["blocks"]].count("issues") == 0  # none yet: only "new"
    assert any(x.get("block_id") == "new_issue" for x in one["blocks"])


def test_a_merge_says_when_the_kept_issue_took_the_other_ones_response():
    source = Issue(4, "Money")
    target = Issue(3, "Funding", 3, 5, date(2015, 1, 2), date(2015, 1, 9), "plan-changed", "Fixed")
    assert "took #4's (*plan changed*)" in b.merged_text(source, target, 2, carried=True)
    assert "took" not in b.merged_text(source, target, 2, carried=False)
    assert "2 engagements moved over" in b.merged_text(source, target, 2)
