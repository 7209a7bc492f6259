"""What the benchmark asks for, and whether the app can answer it yet.

Each scenario is available when the app has its command (the subcommand
registry), its listener module (handlers/interactivity) or its route
(handlers.web's route table), found at run time; otherwise it is reported
as "not available" rather than measured against an error reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .dataset import Dataset, ProgrammeInfo
from .load import BenchSlack, Request, Server, Signer, http_get


@dataclass
class Scenario:
    key: str
    label: str
    kind: str  # command | button | feed
    available: bool
    why_not: str = ""
    # Given a server (app or bare) and the data set, the request maker i -> Request.
    prepare: Callable[[Server, Dataset, BenchSlack, Signer], Callable[[int], Request]] | None = None
    # For commands: the /consult text sent to a programme (EXPLAIN replays it in-process).
    make_text: Callable[[ProgrammeInfo, int], str] | None = None


def _has_subcommand(name: str) -> tuple[bool, str]:
    try:
        from handlers.commands import find
    except Exception as e:  # a half-written command module must not stop the other scenarios
        return False, f"the command registry did not load ({type(e).__name__}: {e})"
    return (True, "") if find(name) is not None else (False, f"no `/consult {name}` subcommand yet")


def _command(key: str, label: str, make_text: Callable[[ProgrammeInfo, int], str]) -> Scenario:
    first = label.split()[0]
    ok, why = _has_subcommand(first)

    def prepare(server, dataset, slack, signer):
        programmes = dataset.programmes

        def make(i: int) -> Request:
            p = programmes[i % len(programmes)]
            return signer.command(slack, make_text(p, i), p.team_id, p.channel_id, p.admin)

        return make

    return Scenario(key, f"/consult {label}", "command", ok, why, prepare, make_text)


def _engage_text(p: ProgrammeInfo, i: int) -> str:
    code = p.practice_codes[i % len(p.practice_codes)]
    return f'engage {code} meeting "Bench locality meeting {i}" --position support'


def command_scenarios() -> list[Scenario]:
    return [
        _command("engage", "engage", _engage_text),
        _command("coverage", "coverage", lambda p, i: "coverage"),
        _command("deadlines", "deadlines", lambda p, i: "deadlines"),
        _command("tally", "vote tally", lambda p, i: "vote tally"),
        _command("digest", "digest now", lambda p, i: "digest now"),
        _command("register", "stakeholder list practice", lambda p, i: "stakeholder list practice"),
        _command("issues", "issues", lambda p, i: "issues"),
        _command(
            "issuecoverage",
            "coverage --issue",
            lambda p, i: f"coverage --issue {p.issue_ids[i % len(p.issue_ids)]}",
        ),
    ]


# -- the vote button ----------------------------------------------------------
def vote_button() -> tuple[Callable[[ProgrammeInfo, str, int], dict] | None, str]:
    """A block_actions payload maker for the For/Against buttons on a vote message."""
    try:
        from blocks.votes import CHOICE_ACTIONS
    except ImportError:
        return None, "no vote buttons (blocks/votes.py) yet"
    if not _listener_module("vote_buttons"):
        return None, "no listener for the vote buttons (handlers/interactivity/vote_buttons.py) yet"

    def payload(p: ProgrammeInfo, voter: str, i: int) -> dict:
        choice = "for" if i % 3 else "against"  # changing one's vote is allowed until it closes
        ts = f"1400000000.{p.id:06d}"
        return {
            "type": "block_actions",
            "team": {"id": p.team_id, "domain": "bench"},
            "user": {"id": voter, "username": voter.lower(), "team_id": p.team_id},
            "api_app_id": "A1",
            "token": "unused",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": p.channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": p.channel_id, "name": "consult"},
            "message": {"type": "message", "ts": ts, "text": "vote", "blocks": []},
            "actions": [
                {
                    "type": "button",
                    "action_id": CHOICE_ACTIONS[choice],
                    "block_id": "vote",
                    "value": str(p.vote_id),
                    "text": {"type": "plain_text", "text": choice.title()},
                    "action_ts": "1400000001.000001",
                }
            ],
        }

    return payload, ""


def _listener_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"handlers.interactivity.{name}") is not None


def button_scenario() -> Scenario:
    payload, why = vote_button()

    def prepare(server, dataset, slack, signer):
        voters = [(p, user) for p in dataset.programmes for _sid, user in p.practice_users]

        def make(i: int) -> Request:
            p, user = voters[i % len(voters)]
            return signer.interaction(slack, payload(p, user, i))

        return make

    return Scenario("button", "vote button click", "button", payload is not None, why, prepare)


# -- calendar feeds -------------------------------------------------------------
def _feed_route_exists() -> tuple[bool, str]:
    try:
        from handlers.web import ROUTES
    except Exception as e:
        return False, f"the HTTP routes did not load ({type(e).__name__}: {e})"
    ok = any(
        pattern.fullmatch("/calendar/" + "A" * 43 + ".ics") and "GET" in methods
        for methods, pattern, _ in ROUTES
    )
    return (True, "") if ok else (False, "no GET /calendar/<token>.ics route yet")


def feed_scenarios() -> list[Scenario]:
    ok, why = _feed_route_exists()

    def tokens(dataset: Dataset) -> list[str]:
        return [p.feed_token for p in dataset.programmes if p.feed_token]

    def prepare_full(server, dataset, slack, signer):
        # A repeat fetch without an ETag: each feed fetched once first, unmeasured, so that what
        # is measured is serving a kept feed (the first fetch after a change is `feedcold`).
        paths = [f"/calendar/{t}.ics" for t in tokens(dataset)]
        for path in paths:
            status, _headers, _body = http_get(server, path)
            if status != 200:
                raise RuntimeError(f"{server.name}: {path} answered {status}")
        return lambda i: Request("GET", paths[i % len(paths)])

    def prepare_304(server, dataset, slack, signer):
        # Each client already holds the feed: it sends back the ETag it was given.
        held = []
        for t in tokens(dataset):
            path = f"/calendar/{t}.ics"
            status, headers, _ = http_get(server, path)
            etag = headers.get("etag")
            if status != 200 or not etag:
                raise RuntimeError(f"{server.name}: {path} answered {status} with ETag {etag!r}")
            held.append((path, etag))
        return lambda i: Request(
            "GET",
            held[i % len(held)][0],
            headers={"If-None-Match": held[i % len(held)][1]},
            expect_status=304,
        )

    return [
        Scenario("feed", "calendar feed (repeat)", "feed", ok, why, prepare_full),
        Scenario("feed304", "calendar feed (304)", "feed", ok, why, prepare_304),
    ]


def all_scenarios() -> list[Scenario]:
    return command_scenarios() + [button_scenario()] + feed_scenarios()
