"""Hostile input: arbitrary text at the grammar and at `/consult` itself.

Every input gets a clear reply, nothing escapes as an exception (nor as the
"something went wrong" last resort), and what people type never reaches Slack
as live markup: no forged @channel/@here, no disguised links, no broken blocks.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.context import Actor
from bot.errors import UsageError
from bot.grammar import parse, tokenize
from bot.services.demo import load_demo
from bot.settings import Settings
from handlers.commands import SUBCOMMANDS, CommandRequest, dispatch
from handlers.console import ConsoleMessenger

from ..harness import build_services

TEAM, CHANNEL, ADMIN = "T1", "C1", "UADMIN"

# Markup a person could type to make Consult's message do something it should not.
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|@nurses>",
    "<https://evil.example|NHS login>",
    "<mailto:a@evil.example|x>",
    "<@U999>",
    "<#C999>",
    "*bold*",
    "`code`",
    "```",
    "&lt;",
    "&amp;",
    "\u202e",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u200b",
    "'",
    '"',
    "\u201c",
    "\u201d",
    "--",
    "--note",
    "--due",
    "=",
    "@",
    "#",
    "%",
    "😀",
    "𝕏",
    "\ufeff",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "0",
    "31/02/2015",
    "99999999999999999999",
    "-0",
    "1e309",
    "nan",
    "T2",
    "C2",
]

# What must never appear in anything Consult sends, whatever was typed.
FORBIDDEN = re.compile(r"<!(channel|here|everyone|subteam)|<https?://evil|<mailto:")
INTERNAL_ERROR = "something went wrong on Consult's side"

words = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=1, max_size=30),
    st.sampled_from(
        [
            "stakeholder",
            "add",
            "list",
            "remove",
            "lmc",
            "practice",
            "show",
            "link",
            "engage",
            "meeting",
            "call",
            "with",
            "vote",
            "tally",
            "open",
            "close",
            "deadline",
            "done",
            "move",
            "digest",
            "now",
            "coverage",
            "duty",
            "duties",
            "calendar",
            "rotate",
            "export",
            "csv",
            "role",
            "grant",
            "revoke",
            "help",
            "actions",
            "action",
            "evidence",
            "engagement",
            "edit",
            "withdraw",
            "2015-03-04",
            "4/3/2015",
            "tomorrow",
            "next",
            "week",
            "#1",
            "1",
            "P1",
        ]
    ),
)


class RecordingMessenger(ConsoleMessenger):
    """The shell's messenger, keeping the raw text and blocks Slack would get."""

    def __init__(self):
        super().__init__(io.StringIO())
        self.sent: list[tuple[str, str, list | None]] = []

    def reply(self, text, blocks=None, fallback_blocks=None):
        self.sent.append(("reply", text, blocks))

    def post(self, channel, text, blocks=None, *, thread_ts=None, metadata=None):
        self.sent.append(("post", text, blocks))
        return self._next_ts()

    def dm(self, user, text, blocks=None, *, metadata=None):
        self.sent.append(("dm", text, blocks))
        return self._next_ts()

    def open_modal(self, view):
        self.sent.append(("modal", "", view.get("blocks")))

    def upload(self, user, filename, content, title, comment):
        self.sent.append(("upload", comment, None))


def _texts(blocks) -> list[str]:
    """Every mrkdwn/plain text in a Block Kit structure."""
    out: list[str] = []
    if isinstance(blocks, dict):
        if isinstance(blocks.get("text"), str) and blocks.get("type") in ("mrkdwn", "plain_text"):
            out.append(blocks["text"])
        for value in blocks.values():
            out += _texts(value)
    elif isinstance(blocks, list):
        for value in blocks:
            out += _texts(value)
    return out


def _section_texts_fit(blocks) -> bool:
    """Slack refuses a whole message whose section text is over 3,000 characters."""
    if isinstance(blocks, dict):
        if blocks.get("type") == "section" and isinstance(blocks.get("text"), dict):
            if len(blocks["text"].get("text", "")) > 3000:
                return False
        return all(_section_texts_fit(v) for v in blocks.values())
    if isinstance(blocks, list):
        return all(_section_texts_fit(v) for v in blocks)
    return True


@pytest.fixture(scope="module")
def demo_services(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'consult.db'}"
    services = build_services(Settings(database_url=url))
    load_demo(services.new_uow(), TEAM, CHANNEL, ADMIN)
    services = replace(services, messenger_for_team=lambda team: RecordingMessenger())
    yield services
    services.engine.dispose()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_the_grammar_either_parses_or_says_what_was_wrong(text):
    try:
        tokens = tokenize(text)
    except UsageError as e:
        assert e.message
        return
    assert all(isinstance(t, str) for t in tokens)
    try:
        parse(tokens, {"due", "note", "with", "year"}, {"mine", "all"})
    except UsageError as e:
        assert e.message


def _run(services, text: str, user: str = ADMIN) -> RecordingMessenger:
    out = RecordingMessenger()
    actor = Actor(TEAM, user, _is_workspace_admin=False)
    dispatch(
        CommandRequest(
            actor=actor,
            channel_id=CHANNEL,
            text=text,
            services=services,
            out=out,
            trigger_id="trigger-1",
        )
    )
    return out


def _check(out: RecordingMessenger, text: str) -> None:
    assert out.sent, f"no reply at all to {text!r}"
    for kind, body, blocks in out.sent:
        assert INTERNAL_ERROR not in body, f"{text!r} broke Consult: {body}"
        for piece in [body, *_texts(blocks)]:
            assert not FORBIDDEN.search(piece), (
                f"{text!r} reached Slack as markup in a {kind}: {piece[:300]!r}"
            )
            assert len(piece) <= 40_000
        assert _section_texts_fit(blocks), f"{text!r} made a section over 3,000 characters"


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(sorted(SUBCOMMANDS)), st.lists(words, max_size=8))
def test_any_subcommand_with_any_words_gets_a_clear_reply(demo_services, name, args):
    text = " ".join([name, *args])
    _check(_run(demo_services, text), text)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(max_size=300))
def test_arbitrary_text_gets_a_clear_reply(demo_services, text):
    _check(_run(demo_services, text), text)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(sorted(SUBCOMMANDS)), st.sampled_from(HOSTILE), st.sampled_from(HOSTILE))
def test_a_stranger_gets_refusals_not_errors(demo_services, name, a, b):
    text = f"{name} {a} {b}"
    _check(_run(demo_services, text, user="USTRANGER"), text)


@pytest.mark.parametrize(
    "name",
    [
        "stakeholder add lmc",
        "engage meeting with",
        "deadline add",
        "stakeholder show",
        "role grant",
    ],
)
def test_long_text_with_markup_stays_inert(demo_services, name):
    text = f'{name} "{"<!channel> <https://evil.example|x> " * 400}"'
    _check(_run(demo_services, text), text)
