"""Every Block Kit builder, fed realistic and extreme data, makes what Slack accepts.

Each payload goes through slack_sdk's Block Kit models: parsed into them,
checked with `validate_json()` (Slack's length and count limits), and
written back out unchanged (so no field is misspelt or unknown to them).
Messages carry a top-level `text` for notifications and screen readers.
Validation lives here, in tests, not on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from slack_sdk.models.blocks import Block, Option, OptionGroup
from slack_sdk.models.views import View

from blocks import kit
from blocks.digest import RenderedDigest, RenderedSection, digest_messages, ephemeral_messages
from blocks.engagement import engagement_form, no_programme_view, picker_options
from blocks.home import home_view
from blocks.raised_issues import suggestion_blocks, suggestion_reply
from blocks.reminders import reminder_after_done_blocks, reminder_blocks
from blocks.votes import closed_vote_message, practice_picker, vote_message
from bot import votes
from bot.services.coverage import Home
from bot.services.votes import PracticeChoice, VoteView

from .test_home_blocks import big_programme

# What people type, at its worst: Slack markup, HTML, mentions, emoji, very long.
MARKUP = "<!channel> *bold* _it_ ~x~ `code` <@U123|bob> <#C1> <https://evil.example|click> & <b>"
LONG = ("Dr Ēmma O’Brien-Smythe 🩺 " + MARKUP + " ") * 20
NAMES = ["Acorn Surgery", MARKUP, LONG, "W" * 300]
TODAY = date(2015, 1, 5)


# -- checks --------------------------------------------------------------------------


def check_blocks(blocks: list[dict], limit: int) -> None:
    assert 0 < len(blocks) <= limit, len(blocks)
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict() == raw, raw  # nothing misspelt, nothing slack_sdk does not know


def check_message(text: str, blocks: list[dict] | None) -> None:
    # The top-level text: what notifications and screen readers get.
    assert isinstance(text, str) and text.strip()
    assert len(text) <= 40_000  # Slack truncates longer
    if blocks is not None:
        check_blocks(blocks, 50)


def check_view(view: dict) -> None:
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.to_dict() == view
    check_blocks(view["blocks"], 100)


def check_options(payload: dict) -> None:
    """A block_suggestion answer: options, or option groups (at most 100 of either)."""
    if "options" in payload:
        assert len(payload["options"]) <= 100
        for raw in payload["options"]:
            option = Option(**raw)
            option.validate_json()
            assert option.to_dict() == raw
    else:
        assert len(payload["option_groups"]) <= 100
        for raw in payload["option_groups"]:
            group = OptionGroup(**raw)
            group.validate_json()
            assert group.to_dict() == raw


# -- data ------------------------------------------------------------------------------


@dataclass
class Programme:
    id: int
    name: str
    channel_id: str = "C1"
    timezone: str = "Europe/London"


@dataclass
class Stakeholder:
    id: int
    name: str
    code: str | None = None


@dataclass
class Vote:
    id: int = 7
    question: str = MARKUP
    rule: str = "two-thirds"
    quorum_percent: int | None = 50
    weighted: bool = True
    group_name: str | None = None
    state: str = "open"
    opened_by: str = "UADMIN"
    closes_at: datetime = datetime(2015, 3, 4, 17, tzinfo=UTC)
    closed_at: datetime | None = None
    closed_by: str | None = None
    checksum: str | None = None


def practices(n: int) -> list[Stakeholder]:
    return [Stakeholder(i, NAMES[i % len(NAMES)] + f" {i}", f"E{i:05d}") for i in range(1, n + 1)]


def vote_view(n: int, question: str, closed: bool = False) -> VoteView:
    electors = [
        votes.Elector(i, NAMES[i % 4][:200], f"E{i:05d}", 1000 + i) for i in range(1, n + 1)
    ]
    casts = [votes.Cast(i, ("for", "against", "abstain")[i % 3]) for i in range(1, n + 1, 2)]
    vote = Vote(question=question, group_name=LONG[:300])
    tally = votes.tally(electors, casts, rule=vote.rule, quorum_percent=50, weighted=True)
    if closed:
        vote.state, vote.closed_at, vote.closed_by = "closed", vote.closes_at, "UADMIN"
        vote.checksum = tally.checksum
    return VoteView(Programme(1, LONG), vote, electors, tally)


def deadline(title: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=7,
        kind="deadline",
        title=title,
        due_on=date(2015, 1, 30),
        due_time="17:00",
        end_time=None,
        place=MARKUP,
        state="open",
    )


SIZES = [1, 200]  # one practice, and a CCG's worth


# -- the builders ----------------------------------------------------------------------


@pytest.mark.parametrize("question", ["Take on joint commissioning?", MARKUP, LONG])
@pytest.mark.parametrize("n", SIZES)
def test_vote_messages(question, n):
    check_message(*vote_message(vote_view(n, question)))
    check_message(*closed_vote_message(vote_view(n, question, closed=True)))


@pytest.mark.parametrize("n", [1, 30, 200])
def test_practice_picker(n):
    check_message(*practice_picker(PracticeChoice(Programme(1, LONG), Vote(), "for", practices(n))))


@pytest.mark.parametrize("title", ["Expression of interest", MARKUP, LONG])
@pytest.mark.parametrize("owners", [[], ["UJANE"], [f"U{i}" for i in range(200)]])
def test_reminders(title, owners):
    d = deadline(title)
    blocks = reminder_blocks(d, owners, TODAY, "Mon 5 Jan 2015")
    check_blocks(blocks, 50)
    check_blocks(reminder_blocks(d, owners, TODAY, None), 50)
    check_blocks(reminder_after_done_blocks(d, "UJANE"), 50)


@pytest.mark.parametrize("summary", ["", "Met the LMC", LONG * 5])
@pytest.mark.parametrize("programmes", [1, 3])
def test_engagement_form(summary, programmes):
    found = [Programme(i, NAMES[i % 4]) for i in range(1, programmes + 1)]
    issues = {
        p.id: [SimpleNamespace(id=n, name=NAMES[n % 4][:80]) for n in range(150)] for p in found
    }
    check_view(
        engagement_form(
            found,
            TODAY,
            channel_id="C1",
            source="shortcut",
            summary=summary,
            permalink="https://example.slack.com/archives/C1/p1",
            issues=issues,
        )
    )
    check_view(engagement_form(found, TODAY, channel_id=None))
    check_view(no_programme_view(MARKUP))


@pytest.mark.parametrize("groups", [0, 1, 3])
def test_picker_options(groups):
    one = [(Programme(1, LONG), practices(200), [(LONG, 200)] * groups)]
    check_options(picker_options(one))
    several = [(Programme(i, NAMES[i % 4]), practices(200), [(MARKUP, 5)]) for i in range(150)]
    check_options(picker_options(several))


@pytest.mark.parametrize("count", [1, 4, 10])
def test_issue_suggestions(count):
    found = [
        SimpleNamespace(issue_id=i, name=NAMES[i % 4][:80], shared=[MARKUP] * 9)
        for i in range(count)
    ]
    check_message("x", suggestion_blocks(1, 42, LONG * 3, found))
    text, blocks = suggestion_reply(1, 42, [SimpleNamespace(name=MARKUP, id=1)], found)
    check_message(text, blocks)
    text, blocks = suggestion_reply(1, 42, [], [])
    check_message(text, blocks)


@pytest.mark.parametrize("programmes", [0, 1, 10])
def test_home_view(programmes):
    home = Home([big_programme(i) for i in range(programmes)], more=3 if programmes else 0)
    check_view(home_view(home))
    if programmes:
        check_view(home_view(home, {0: "F0123", 1: "F4567"}))


def _digest(sections: int, lines: int, text: str) -> RenderedDigest:
    return RenderedDigest(
        LONG,
        f"12 practices not yet engaged; {MARKUP}",
        [
            RenderedSection(
                f"s{i}", f"*Section {i}*\n" + "\n".join(f"• {text}" for _ in range(lines))
            )
            for i in range(sections)
        ],
        ["footer " + MARKUP],
    )


@pytest.mark.parametrize("sections,lines", [(1, 1), (6, 200), (40, 3)])
def test_digests(sections, lines):
    messages = digest_messages(_digest(sections, lines, LONG))
    for m in messages:
        check_message(m.text, m.blocks)
    for m in ephemeral_messages(messages):
        check_message(m.text, m.blocks)


def test_kit_pieces_at_their_limits():
    check_blocks(
        [
            kit.header(LONG),
            kit.section(LONG * 3),
            kit.fields(*([LONG] * 12)),
            kit.context(LONG * 3),
            kit.image("F0123", LONG, LONG * 3),
            kit.divider(),
            kit.actions(
                "suggest_123456789",
                [kit.button(f"b{i}", LONG, f"1:{i}:99999", "primary") for i in range(30)],
            ),
        ],
        50,
    )


@pytest.mark.parametrize("items,programmes", [(1, 1), (60, 3)])
def test_personal_digests(items, programmes):
    from blocks.personal_digest import personal_digest_message
    from bot.personal_digest import Line, PersonalDigest

    d = PersonalDigest("UADMIN", date(2026, 12, 7))
    for name in ("actions", "deadlines", "duties", "votes", "issues"):
        getattr(d, name).extend(
            Line(f"Programme {i % programmes} {LONG}", f"{MARKUP} {LONG}") for i in range(items)
        )
    for frequency, late in (("daily", False), ("weekly", True)):
        check_message(*personal_digest_message(d, frequency, late))


@pytest.mark.parametrize("frequency", ["off", "daily", "weekly"])
def test_home_view_with_the_personal_digest_switch(frequency):
    from bot.services.personal_digests import PersonalSetting

    home = Home([big_programme(0)], more=0, personal=PersonalSetting(frequency, 4))
    check_view(home_view(home))
