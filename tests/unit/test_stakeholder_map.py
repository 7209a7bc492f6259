"""The stakeholder map's quadrants, its order, and its chart (alt text, text bars, drawing)."""

from __future__ import annotations

from datetime import date

import pytest

from bot import charts
from bot.coverage import StakeholderFact
from bot.ratings import quadrant
from bot.stakeholder_map import build_map

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    "influence,interest,expected",
    [
        (5, 5, "manage closely"),
        (3, 3, "manage closely"),  # a middling rating errs towards attention
        (3, 2, "keep satisfied"),
        (2, 3, "keep informed"),
        (2, 2, "monitor"),
        (1, 1, "monitor"),
    ],
)
def test_quadrants(influence, interest, expected):
    assert quadrant(influence, interest) == expected


def fact(i, name, influence=None, interest=None, last=None, position=None):
    return StakeholderFact(i, "practice", name, f"E{i}", 1000, last, position, influence, interest)


def test_map_orders_and_names_the_quiet_ones():
    m = build_map(
        "P",
        [
            fact(1, "Zed", 4, 4, date(2026, 12, 1), "support"),
            fact(2, "Amber", 5, 3, None),
            fact(3, "Birch", 5, 5, date(2026, 1, 1), "oppose"),
            fact(4, "Cedar"),
        ],
        TODAY,
        30,
    )
    assert [e.name for e in m.quadrants["manage closely"]] == ["Birch", "Amber", "Zed"]
    assert [e.name for e in m.quiet()] == ["Amber", "Birch"]  # never engaged first
    assert [e.name for e in m.unrated] == ["Cedar"] and m.rated == 3
    chart = charts.stakeholder_map_chart(m)
    assert "manage closely 3: Birch (oppose), Amber (no position), Zed (support)" in chart.alt
    assert "1 stakeholder not rated" in chart.alt
    assert "`■■■■■■■■■■` manage closely: 3" in charts.text_bars(chart)
    assert charts.draw(chart, "png").startswith(b"\x89PNG")
    assert b"<svg" in charts.draw(chart, "svg")


def test_an_unrated_map_says_so():
    chart = charts.stakeholder_map_chart(build_map("P", [fact(1, "A")], TODAY, 30))
    assert chart.alt.startswith("No stakeholder of P has been rated")
    assert charts.draw(chart, "png").startswith(b"\x89PNG")
