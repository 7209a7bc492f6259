"""The App Home view stays within Slack's limits however large the programmes."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from blocks.home import home_view
from bot.coverage import StakeholderFact, build_report
from bot.services.coverage import Home, HomeProgramme

TODAY = date(2015, 1, 5)


@dataclass
class P:
    id: int
    name: str
    channel_id: str = "C1"
    timezone: str = "Europe/London"


@dataclass
class Item:
    id: int
    title: str
    due_on: date | None


@dataclass
class V:
    question: str
    closes_at: datetime


def big_programme(i: int) -> HomeProgramme:
    facts = [
        StakeholderFact(
            n, t, "N" * 190, None, 5000, TODAY if n % 2 else None, "support" if n % 3 else None
        )
        for n, t in enumerate(["practice"] * 600 + ["lmc", "hwbb", "healthwatch", "other"] * 50)
    ]
    report = build_report(f"Programme {i}", facts, 30, TODAY)
    actions = [Item(n, "A" * 499, TODAY - timedelta(days=n % 3)) for n in range(300)]
    deadlines = [Item(n, "D" * 299, TODAY + timedelta(days=n)) for n in range(100)]
    votes = [V("Q" * 500, datetime(2015, 3, 4, 17, tzinfo=UTC)) for _ in range(20)]
    deadline_rows = [type("D", (), {"due_on": d.due_on, "title": d.title})() for d in deadlines]
    return HomeProgramme(P(i, f"Programme {i}"), report, actions, deadline_rows, votes, TODAY)


def test_home_is_under_100_blocks_and_each_text_under_3000_characters():
    view = home_view(Home([big_programme(i) for i in range(10)], more=5))
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= 3000
    assert "…and" in json.dumps(
        view["blocks"][-1], ensure_ascii=False
    )  # the programmes left out are counted
    assert "Programme 0" in json.dumps(view)


def test_home_without_programmes_explains_how_to_start():
    view = home_view(Home([], 0))
    assert "not in a Consult programme" in json.dumps(view)
    assert any(b["type"] == "actions" for b in view["blocks"])


def test_home_shows_coverage_actions_deadlines_and_votes():
    item = big_programme(1)
    text = json.dumps(home_view(Home([item], 0)), ensure_ascii=False)
    assert "Member practices: 300 of 600" in text
    assert "Your open actions* (300)" in text and "…and 295 more" in text
    assert "Upcoming deadlines" in text and "Open votes" in text and "Wed 4 Mar 2015 17:00" in text


@dataclass
class Issue:
    id: int
    name: str
    stakeholders: int
    response: str | None = None


def test_home_shows_the_top_open_issues_within_the_limits():
    item = big_programme(1)
    item.open_issues = [
        Issue(n, "I" * 80 + f" {n}", 40 - n, "On it" if n == 2 else None) for n in range(1, 9)
    ]
    item.issues_total = 40
    view = home_view(Home([item], 0))
    [section] = [
        b for b in view["blocks"] if "Top open issues" in (b.get("text") or {}).get("text", "")
    ]
    lines = section["text"]["text"].split("\n")
    assert lines[1].startswith("• #1 ") and lines[1].endswith(
        "raised by 39 stakeholders, no response yet"
    )
    assert lines[2].endswith("raised by 38 stakeholders")  # answered, still open
    assert len(lines) == 1 + 5 + 1 and "lists all 40" in lines[-1]
    assert len(home_view(Home([item] * 10, 0))["blocks"]) <= 100
