"""Charts on known figures: what is drawn, the alt text, and the picture itself."""

import io
import re
from datetime import date

from PIL import Image

from bot import charts
from bot.coverage import StakeholderFact, build_report

TODAY = date(2015, 2, 2)


def practices_report():
    """40 practices, 24 engaged in the last 30 days; an LMC engaged; Healthwatch never."""
    facts = []
    for i in range(40):
        engaged = date(2015, 1, 20) if i < 24 else date(2014, 10, 1)
        position = ["support"] * 18 + ["oppose"] * 6 + ["undecided"] * 8 + [None] * 8
        facts.append(
            StakeholderFact(i, "practice", f"P{i}", f"E{i}", 5000 + 100 * i, engaged, position[i])
        )
    facts.append(StakeholderFact(100, "lmc", "LMC", None, None, date(2015, 1, 30)))
    facts.append(StakeholderFact(101, "healthwatch", "Healthwatch", None, None, None))
    return build_report("Demo", facts, 30, TODAY)


def test_coverage_chart_draws_the_reports_own_figures():
    report = practices_report()
    chart = charts.coverage_from_report(report)
    assert [(r.label, r.text) for r in chart.rows] == [
        (t.label, f"{t.engaged} of {t.total}") for t in report.types
    ]
    assert chart.rows[0].text == "24 of 40" and chart.rows[0].value == 0.6
    assert chart.alt == (
        "Stakeholders engaged in the last 30 days: 25 of 42 in all. Member practices: 24 of 40; "
        "Local Medical Committee: 1 of 1; Healthwatch: 0 of 1."
    )


def test_positions_chart_counts_and_shares_of_registered_patients():
    report = practices_report()
    chart = charts.positions_from_report(report)
    assert [(r.label, r.value, r.whole) for r in chart.rows] == [
        (p.position if p.position != "unknown" else "no position", p.count, p.list_size)
        for p in report.positions
    ]
    total = sum(p.list_size for p in report.positions)
    support = next(p for p in report.positions if p.position == "support")
    share = f"{100 * support.list_size / total:.0f}%"
    assert f"support 18 (45% of practices, {share} of registered patients)" in chart.alt
    assert "neutral" not in chart.alt  # nobody is neutral: not said, but still drawn
    assert chart.alt.startswith("Member practices by current position, 40 practices with")
    colours = {r.label: r.colour for r in chart.rows}
    assert colours["support"] == charts.OKABE_ITO["green"]
    assert colours["oppose"] == charts.OKABE_ITO["vermillion"]


def test_weekly_chart_buckets_by_monday_and_adds_up():
    chart = charts.weekly_chart(
        {
            "Member practices": [date(2014, 6, 2), date(2014, 6, 8), date(2014, 6, 23)],
            "Healthwatch": [date(2014, 6, 10)],
        }
    )
    assert chart.weeks == (date(2014, 6, 2), date(2014, 6, 9), date(2014, 6, 16), date(2014, 6, 23))
    assert dict(chart.series) == {"Member practices": (2, 0, 0, 1), "Healthwatch": (0, 1, 0, 0)}
    assert "Member practices 3 (most in the week of Mon 2 Jun 2014: 2)" in chart.alt
    assert charts.weekly_chart({}).alt == "No engagement has been logged yet."


def test_turnout_chart_counts_day_by_day_against_the_quorum():
    firsts = [date(2015, 2, 10)] * 3 + [date(2015, 2, 12)] * 2
    chart = charts.turnout_chart(7, date(2015, 2, 10), date(2015, 2, 13), firsts, 8, 60)
    assert chart.series == (
        (date(2015, 2, 10), 3),
        (date(2015, 2, 11), 3),
        (date(2015, 2, 12), 5),
        (date(2015, 2, 13), 5),
    )
    assert chart.extra == (8, 5, 60)  # 60% of 8 rounds up to 5 practices
    assert chart.alt == (
        "Turnout in vote 7: 5 of 8 practices (62%) had voted by Fri 13 Feb 2015, against a "
        "quorum of 60% (5 practices); quorum reached on Thu 12 Feb 2015."
    )
    weighted = charts.turnout_chart(7, date(2015, 2, 10), date(2015, 2, 13), firsts, 8, 60, True)
    assert weighted.extra == (8, None, None)  # not drawn in practices
    assert weighted.alt.endswith("its 60% quorum counts registered list size, shown in the table.")
    none = charts.turnout_chart(7, date(2015, 2, 10), date(2015, 2, 10), [], 8, None)
    assert none.alt.endswith("no quorum set.") and none.series == ((date(2015, 2, 10), 0),)


def test_duties_chart():
    chart = charts.duties_chart(5, 3, 1, [("Statutory duties", 6), ("National guidance", 3)])
    assert [(r.label, r.value) for r in chart.rows] == [
        ("done", 5),
        ("open", 3),
        ("not applicable", 1),
    ]
    assert chart.alt == (
        "Duties of every kind: 5 done, 3 open and 1 not applicable, of 9 "
        "(Statutory duties 6; National guidance 3)."
    )


def _png(chart) -> Image.Image:
    data = charts.draw(chart, "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_the_coverage_picture_fills_its_bar_as_far_as_the_figure():
    """Image check with a tolerance: along the bar, blue covers 24/40 of the bar's length."""
    chart = charts.coverage_chart([("Member practices", 24, 40)], 30)
    image = _png(chart)
    assert image.width == charts.WIDTH_INCHES * charts.DPI
    blue = tuple(int(charts.OKABE_ITO["blue"][i : i + 2], 16) for i in (1, 3, 5))
    track = tuple(int(charts.TRACK[i : i + 2], 16) for i in (1, 3, 5))

    def near(a, b):
        return all(abs(x - y) <= 12 for x, y in zip(a, b))

    best = 0.0
    for y in range(image.height):
        row = [image.getpixel((x, y)) for x in range(image.width)]
        filled = sum(near(p, blue) for p in row)
        empty = sum(near(p, track) for p in row)
        if filled > 100 and empty > 100:
            best = filled / (filled + empty)
            break
    assert abs(best - 0.6) < 0.02, best


def test_svg_keeps_labels_as_text_and_ids_unique_per_chart():
    report = practices_report()
    one = charts.inline_svg(charts.coverage_from_report(report))
    two = charts.inline_svg(charts.positions_from_report(report))
    assert one.startswith('<svg role="img" aria-label="Stakeholders engaged in the last 30 days')
    assert "<title>Stakeholders engaged" in one
    assert ">24 of 40<" in one  # a label, searchable in the PDF made from it
    ids = re.findall(r'id="([^"]+)"', one + two)
    assert len(ids) == len(set(ids)) and ids
    # The same figures draw the same SVG (the pack's fingerprint is about figures, but a stable
    # file is easier to compare).
    assert one == charts.inline_svg(charts.coverage_from_report(report))


def test_charts_drawn_at_once_from_several_threads_are_each_their_own():
    """The scheduler and Slack's listener threads may draw at the same time; matplotlib's settings
    are global, so each picture must still come out exactly as when drawn alone."""
    from concurrent.futures import ThreadPoolExecutor

    report = practices_report()
    chosen = [charts.coverage_from_report(report), charts.positions_from_report(report)] * 4
    alone = [charts.draw(c, "svg") for c in chosen]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda c: charts.draw(c, "svg"), chosen))
    assert together == alone
    assert all(b'font-family="DejaVu Sans"' in s or b"DejaVu Sans" in s for s in together)
