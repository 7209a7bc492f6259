"""Charts: pictures of figures the services have already counted.

Each chart is built in two steps. `*_chart(...)` takes figures exactly as a
service computed them (a CoverageReport, the evidence Pack, a vote's Tally)
and returns a `Chart`: what will be drawn, row by row, and its alt text in
words. `draw(chart, "png" | "svg")` then draws it with matplotlib (Agg, no
display) in DejaVu Sans, the font matplotlib ships and Debian installs. A
chart never counts anything itself, so it cannot disagree with the text
beside it; tests compare the two.

Accessible by construction: the Okabe-Ito palette (distinguishable with
the common colour-vision deficiencies), labels written on the bars instead
of a legend, and alt text on every image.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from .dates import format_date

if TYPE_CHECKING:  # matplotlib is imported only when a picture is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.typing import RcKeyType

    from .coverage import CoverageReport
    from .evidence_pack import Pack
    from .stakeholder_map import StakeholderMap

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
POSITION_COLOURS = {
    "support": OKABE_ITO["green"],
    "oppose": OKABE_ITO["vermillion"],
    "undecided": OKABE_ITO["orange"],
    "neutral": OKABE_ITO["sky"],
    "unknown": "#BBBBBB",
}
DUTY_COLOURS = {"done": OKABE_ITO["green"], "open": OKABE_ITO["orange"], "na": OKABE_ITO["grey"]}
INK = "#1d2327"
TRACK = "#E8ECEF"  # the unfilled part of a bar
FONT = "DejaVu Sans"
WIDTH_INCHES = 8.0  # 800 px at the PNG's 100 dpi: sharp on a phone, small to upload
DPI = 100
# matplotlib's settings (rcParams) are global: charts drawn at once by the scheduler and by
# Slack's listener threads take turns, so one's style never leaks into another's picture.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Row:
    label: str
    value: float  # what the bar's length shows
    text: str  # written on or beside the bar
    colour: str
    whole: float = 0.0  # the bar's full length (a track behind it), 0 for none


# What a chart's `series` holds, by kind.
WeeklySeries = tuple[str, tuple[int, ...]]  # weekly: (label, counts per period)
TurnoutPoint = tuple[date, int]  # turnout: (day, practices voted)
MapPoint = tuple[str, int, int, str]  # map: (label, influence, interest, position)


@dataclass(frozen=True)
class Chart:
    name: str  # a file name stem: coverage, positions, weekly, turnout-3, duties
    title: str
    alt: str  # what the chart shows, in words
    kind: str  # bars | positions | weekly | turnout
    rows: tuple[Row, ...] = ()
    series: tuple[WeeklySeries, ...] | tuple[TurnoutPoint, ...] | tuple[MapPoint, ...] = ()
    weeks: tuple[date, ...] = ()  # weekly: the start of each week, month or year drawn
    # turnout: (electorate, quorum practices or None, quorum percent); weekly: (unit,);
    # map: (the rating from which one counts as high,)
    extra: tuple[int, int | None, int | None] | tuple[str] | tuple[int] | tuple[()] = ()

    def filename(self, fmt: str = "png") -> str:
        return f"{self.name}.{fmt}"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


# -- the charts, from figures already counted ------------------------------------------------


def coverage_chart(rows: list[tuple[str, int, int]], days: int | None) -> Chart:
    """Per stakeholder type: (label, engaged, in register). `days` None means "at any time"."""
    when = f"in the last {days} days" if days else "at any time"
    drawn = tuple(
        Row(
            label,
            (engaged / total) if total else 0.0,
            f"{engaged:,} of {total:,}",
            OKABE_ITO["blue"],
            1.0,
        )
        for label, engaged, total in rows
    )
    parts = [f"{label}: {engaged:,} of {total:,}" for label, engaged, total in rows]
    engaged = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    alt = (
        f"Stakeholders engaged {when}: {engaged:,} of {total:,} in all. " + "; ".join(parts) + "."
        if rows
        else "No stakeholders in the register yet."
    )
    return Chart("coverage", f"Engaged {when}", alt, "bars", drawn)


def coverage_from_report(report: CoverageReport) -> Chart:
    """From bot.coverage.CoverageReport (the coverage command, the digest, the Home tab)."""
    return coverage_chart([(t.label, t.engaged, t.total) for t in report.types], report.days)


def positions_chart(rows: list[tuple[str, int, int]]) -> Chart:
    """Member practices by current position: (position, practices, registered list size)."""
    practices = sum(r[1] for r in rows)
    patients = sum(r[2] for r in rows)
    drawn: list[Row] = []
    words: list[str] = []
    for position, count, size in rows:
        key = position if position in POSITION_COLOURS else "unknown"
        label = "no position" if key == "unknown" else position
        drawn.append(Row(label, count, f"{count:,}", POSITION_COLOURS[key], size))
        if count:
            words.append(
                f"{label} {count:,} ({_pct(count, practices)} of practices, "
                f"{_pct(size, patients)} of registered patients)"
            )
    alt = (
        f"Member practices by current position, {_plural(practices, 'practice')} with "
        f"{patients:,} registered patients: " + "; ".join(words) + "."
        if practices
        else "No member practices in the register yet."
    )
    return Chart("positions", "Member practices by position", alt, "positions", tuple(drawn))


def positions_from_report(report: CoverageReport) -> Chart:
    return positions_chart([(p.position, p.count, p.list_size) for p in report.positions])


def positions_from_pack(pack: Pack) -> Chart:
    return positions_chart(
        [
            ("unknown" if label == "no position stated" else label, n, size)
            for label, n, size in pack.practice_positions
        ]
    )


def duties_chart(
    done: int, open_: int, na: int, by_kind: list[tuple[str, int]] | None = None
) -> Chart:
    """Duties of every kind (statutory, national guidance, constitution, local) by state: the
    same set as the pack's tables under it, `by_kind` saying how many each table holds."""
    total = done + open_ + na
    drawn = (
        Row("done", done, f"{done:,}", DUTY_COLOURS["done"], total),
        Row("open", open_, f"{open_:,}", DUTY_COLOURS["open"], total),
        Row("not applicable", na, f"{na:,}", DUTY_COLOURS["na"], total),
    )
    kinds = "; ".join(f"{label} {n:,}" for label, n in by_kind or [])
    alt = (
        f"Duties of every kind: {done:,} done, {open_:,} open and {na:,} not applicable, "
        f"of {total:,}" + (f" ({kinds})." if kinds else ".")
        if total
        else "No duties recorded."
    )
    return Chart("duties", "Duties of every kind", alt, "bars", drawn)


MAP_LABEL = 18  # characters of a stakeholder's name written beside its point


class _Rated(Protocol):
    """A stakeholder on the map: bot.stakeholder_map.MapEntry, or the pack's MapRow."""

    @property
    def name(self) -> str: ...
    @property
    def code(self) -> str | None: ...
    @property
    def influence(self) -> int | None: ...
    @property
    def interest(self) -> int | None: ...
    @property
    def position(self) -> str | None: ...


def stakeholder_map_chart(m: StakeholderMap) -> Chart:
    """From bot.stakeholder_map.StakeholderMap (`/consult stakeholder map --chart`)."""
    return map_chart(m.programme, m.quadrants, len(m.unrated))


def map_chart(programme: str, quadrants: Mapping[str, Sequence[_Rated]], unrated: int) -> Chart:
    """Each rated stakeholder (name, code, influence, interest, position) at its influence and
    interest, coloured by its current position; the rows count each quadrant."""
    from .ratings import HIGH, QUADRANTS

    rated = sum(len(v) for v in quadrants.values())
    rows: list[Row] = []
    words: list[str] = []
    points: list[MapPoint] = []
    for name, _, _ in QUADRANTS:
        entries = quadrants.get(name, [])
        rows.append(Row(name, len(entries), f"{len(entries):,}", OKABE_ITO["blue"], rated))
        if entries:
            shown = ", ".join(f"{e.name} ({e.position or 'no position'})" for e in entries[:8]) + (
                f" and {len(entries) - 8:,} more" if len(entries) > 8 else ""
            )
            words.append(f"{name} {len(entries):,}: {shown}")
        for e in entries:
            label = e.code or (
                e.name if len(e.name) <= MAP_LABEL else e.name[: MAP_LABEL - 1] + "…"
            )
            assert e.influence is not None and e.interest is not None  # a quadrant's are rated
            points.append((label, e.influence, e.interest, e.position or "unknown"))
    alt = (
        f"Stakeholder map of {programme}: {_plural(rated, 'stakeholder')} rated by influence "
        f"and interest (1 to 5, {HIGH} and above high); " + "; ".join(words) + "."
        if rated
        else f"No stakeholder of {programme} has been rated by influence and interest yet."
    )
    if unrated:
        alt += f" {_plural(unrated, 'stakeholder')} not rated."
    return Chart(
        "stakeholder-map",
        "Stakeholders by influence and interest",
        alt,
        "map",
        tuple(rows),
        series=tuple(points),
        extra=(HIGH,),
    )


def stakeholder_map_from_pack(pack: Pack) -> Chart:
    """The same picture from the pack's own rows (bot.evidence_pack.MapRow)."""
    quadrants: dict[str, list[_Rated]] = {}
    for r in pack.stakeholder_map:
        quadrants.setdefault(r.quadrant, []).append(r)
    return map_chart(pack.programme_name, quadrants, pack.unrated)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# The engagement chart draws a bar per week while that stays readable at the pack's width, then
# a bar per month, then per year: a mistyped year must not squeeze the bars to nothing.
MAX_WEEKS = 53
MAX_MONTHS = 48
MIN_SLOTS = 12  # one week of data is one narrow bar, not a full-width ribbon


def _month(day: date) -> date:
    return day.replace(day=1)


def _year(day: date) -> date:
    return date(day.year, 1, 1)


def _next(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(weeks=1)
    if unit == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def period_unit(first: date, last: date) -> str:
    """week, month or year: the finest whose bars stay readable across first..last."""
    if (monday(last) - monday(first)).days // 7 + 1 <= MAX_WEEKS:
        return "week"
    if (last.year - first.year) * 12 + last.month - first.month + 1 <= MAX_MONTHS:
        return "month"
    return "year"


def period_name(start: date, unit: str) -> str:
    """How a period is named in words: the week of Mon 2 Jun 2014, June 2014, 2014."""
    if unit == "week":
        return f"the week of {format_date(start)}"
    return start.strftime("%B %Y") if unit == "month" else str(start.year)


def weekly_chart(dates_by_label: dict[str, list[date]]) -> Chart:
    """Engagements per week (weeks start on Monday), or per month or year when there are too
    many weeks to draw, for each stakeholder type, from the same lists of engagements the
    pack's tables count, so each row adds up to its table's figure."""
    every = [d for ds in dates_by_label.values() for d in ds]
    if not every:
        return Chart(
            "weekly", "Engagement per week", "No engagement has been logged yet.", "weekly"
        )
    unit = period_unit(min(every), max(every))
    start_of = {"week": monday, "month": _month, "year": _year}[unit]
    first, last = start_of(min(every)), start_of(max(every))
    periods = [first]
    while periods[-1] < last:
        periods.append(_next(periods[-1], unit))
    index = {p: i for i, p in enumerate(periods)}
    series: list[WeeklySeries] = []
    words: list[str] = []
    for label, ds in dates_by_label.items():
        counts = [0] * len(periods)
        for d, n in Counter(start_of(d) for d in ds).items():
            counts[index[d]] = n
        series.append((label, tuple(counts)))
        busiest = max(range(len(periods)), key=lambda i: (counts[i], -i))
        words.append(
            f"{label} {sum(counts):,} (most in {period_name(periods[busiest], unit)}: "
            f"{counts[busiest]:,})"
        )
    span = (
        f"from {period_name(first, unit)} to {period_name(last, unit)}"
        if len(periods) > 1
        else f"in {period_name(first, unit)}"
    )
    alt = (
        f"Engagements logged per {unit}, {_plural(len(periods), unit)} {span}, "
        "by stakeholder type: " + "; ".join(words) + "."
    )
    return Chart(
        "weekly",
        f"Engagement per {unit}",
        alt,
        "weekly",
        series=tuple(series),
        weeks=tuple(periods),
        extra=(unit,),
    )


def weekly_from_pack(pack: Pack) -> Chart:
    return weekly_chart(
        {label: [e.occurred_on for e in rows] for label, rows in pack.engagement_log.items()}
    )


def turnout_chart(
    vote_id: int,
    opened_on: date,
    until: date,
    first_votes: list[date],
    electorate: int,
    quorum_percent: int | None,
    weighted: bool = False,
) -> Chart:
    """Practices that have voted, day by day from opening to `until` (closing, or the latest
    ballot), against the quorum. `first_votes`: the day each practice now counted first voted.
    A weighted vote's quorum counts registered list size, not practices: it is named, not drawn."""
    until = max(until, opened_on)
    days = [opened_on + timedelta(days=i) for i in range((until - opened_on).days + 1)]
    per_day = Counter(max(d, opened_on) for d in first_votes)
    running = 0
    points: list[TurnoutPoint] = []
    for d in days:
        running += per_day.get(d, 0)
        points.append((d, running))
    points[-1] = (points[-1][0], len(first_votes))  # a ballot dated after `until` still counts
    voted = len(first_votes)
    weighted_quorum = quorum_percent if weighted else None
    if weighted:
        quorum_percent = None
    needed = -(-electorate * quorum_percent // 100) if quorum_percent is not None else None
    reached = next((d for d, n in points if needed is not None and n >= needed), None)
    alt = (
        f"Turnout in vote {vote_id}: {voted:,} of {_plural(electorate, 'practice')} "
        f"({_pct(voted, electorate)}) had voted by {format_date(until)}"
    )
    if needed is not None:
        alt += f", against a quorum of {quorum_percent}% ({_plural(needed, 'practice')})"
        alt += (
            f"; quorum reached on {format_date(reached)}." if reached else "; quorum not reached."
        )
    elif weighted_quorum is not None:
        alt += f"; its {weighted_quorum}% quorum counts registered list size, shown in the table."
    else:
        alt += "; no quorum set."
    return Chart(
        f"turnout-{vote_id}",
        f"Vote {vote_id}: turnout",
        alt,
        "turnout",
        series=tuple(points),
        extra=(electorate, needed, quorum_percent),
    )


def pack_charts(pack: Pack) -> dict[str, Chart]:
    """Every chart of the evidence pack, from its own figures."""
    charts = {
        "weekly": weekly_from_pack(pack),
        "coverage": coverage_chart([(t.label, t.engaged, t.in_register) for t in pack.types], None),
        "duties": duties_chart(
            pack.duty_counts.get("done", 0),
            pack.duty_counts.get("open", 0),
            pack.duty_counts.get("na", 0),
            [(heading, len(rows)) for _, heading, rows in pack.duty_groups],
        ),
    }
    if pack.practices:
        charts["positions"] = positions_from_pack(pack)
    if getattr(pack, "stakeholder_map", None):
        charts["stakeholder-map"] = stakeholder_map_from_pack(pack)
    for v in pack.votes:
        turnout = getattr(v, "turnout", None)
        if turnout is not None:
            charts[f"turnout-{v.id}"] = turnout
    return charts


def text_bars(chart: Chart, width: int = 10) -> str:
    """The chart as Slack text bars (mrkdwn), for where the picture cannot go: the same rows."""
    from .coverage import bar

    lines = [f"*{chart.title}*"]
    if chart.name == "positions":
        practices = sum(r.value for r in chart.rows)
        patients = sum(r.whole for r in chart.rows)
        for r in chart.rows:
            lines.append(
                f"`{bar(int(r.value), int(practices), width)}` {r.label}: {int(r.value):,} "
                f"({_pct(r.whole, patients)} of registered patients)"
            )
    else:
        for r in chart.rows:
            whole = r.whole if r.whole else max(r.value, 1)
            scale = 1000 if whole == 1.0 else 1  # coverage rows are shares of 1
            lines.append(
                f"`{bar(round(r.value * scale), round(whole * scale), width)}` {r.label}: {r.text}"
            )
    return "\n".join(lines)


# -- drawing ------------------------------------------------------------------------------


def draw(chart: Chart, fmt: str = "png") -> bytes:
    """The chart as PNG bytes or SVG text (UTF-8). Text stays text in SVG, so the PDF made
    from it can be searched and read aloud."""
    # Imported here: matplotlib takes a moment to load, and only pictures need it.
    import matplotlib
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    style: dict[RcKeyType, Any] = {
        "font.family": FONT,
        "font.size": 10,
        "svg.fonttype": "none",
        "svg.hashsalt": "consult",  # the same chart gives the same SVG
        "axes.edgecolor": "#c9d1d8",
        "text.color": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
    }
    with _DRAWING:
        matplotlib.use("Agg", force=True)  # no display, whatever the environment says
        with rc_context(style):
            fig = _paint(chart, Figure)
            out = io.BytesIO()
            if fmt == "svg":
                fig.savefig(out, format="svg", metadata={"Date": None})
            else:
                fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _paint(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    painter = {
        "bars": _draw_bars,
        "positions": _draw_positions,
        "weekly": _draw_weekly,
        "turnout": _draw_turnout,
        "map": _draw_map,
    }[chart.kind]
    fig = painter(chart, Figure)
    fig.suptitle(chart.title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    return fig


def inline_svg(chart: Chart) -> str:
    """The chart as an <svg> element to put in HTML, labelled with its alt text. matplotlib
    numbers its elements' ids from 1 in every file; they are prefixed with the chart's name so
    that several charts in one page keep unique ids."""
    from markupsafe import escape

    svg = draw(chart, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # without the XML declaration and DOCTYPE
    prefix = re.sub(r"[^a-z0-9-]", "-", chart.name.lower()) + "-"
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    label = str(escape(chart.alt))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{label}</title>" + svg[head_end:]


def _frameless(ax: Axes) -> None:
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])


def _height(rows: int) -> float:
    return 0.65 + 0.42 * max(rows, 1)


def _draw_bars(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    rows = list(chart.rows) or [Row("(none)", 0, "0", TRACK, 1)]
    fig = Figure(figsize=(WIDTH_INCHES, _height(len(rows))))
    h = _height(len(rows))
    ax = fig.add_axes((0.30, 0.2 / h, 0.58, 1 - 0.62 / h))
    ys = list(range(len(rows)))[::-1]
    top = max((r.whole or r.value for r in rows), default=1) or 1
    for y, r in zip(ys, rows):
        if r.whole:
            ax.barh(y, r.whole, color=TRACK, height=0.62)
        ax.barh(y, r.value, color=r.colour, height=0.62)
        ax.text(max(r.value, 0) + top * 0.01, y, r.text, va="center", ha="left", fontsize=10)
    ax.set_yticks(ys, [r.label for r in rows])
    ax.set_xlim(0, top * 1.15)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _frameless(ax)
    return fig


def _draw_positions(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    rows = list(chart.rows)
    h = _height(len(rows)) + 0.25
    fig = Figure(figsize=(WIDTH_INCHES, h))
    practices = sum(r.value for r in rows) or 1
    patients = sum(r.whole for r in rows) or 1
    ys = list(range(len(rows)))[::-1]
    bottom, height = 0.2 / h, 1 - 0.85 / h
    left = fig.add_axes((0.17, bottom, 0.36, height))
    right = fig.add_axes((0.60, bottom, 0.36, height))
    for y, r in zip(ys, rows):
        left.barh(y, r.value, color=r.colour, height=0.62)
        left.text(r.value + practices * 0.015, y, f"{r.value:,.0f}", va="center", fontsize=10)
        share = r.whole / patients
        right.barh(y, share, color=r.colour, height=0.62)
        right.text(share + 0.015, y, f"{share * 100:.0f}%", va="center", fontsize=10)
    left.set_yticks(ys, [r.label for r in rows])
    right.set_yticks([])
    left.set_xlim(0, practices * 1.18)
    right.set_xlim(0, 1.18)
    for ax, title in ((left, "Practices"), (right, "Share of registered patients")):
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_title(title, loc="left", fontsize=10)
        _frameless(ax)
    right.spines["left"].set_visible(False)
    return fig


def _draw_weekly(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    series = cast("list[WeeklySeries]", list(chart.series)) or [("(none)", (0,))]
    weeks = list(chart.weeks) or [date.today()]
    h = 0.75 + 0.62 * len(series) + 0.35
    fig = Figure(figsize=(WIDTH_INCHES, h))
    peak = max((max(c) for _, c in series), default=1) or 1
    top_margin = 0.55 / h
    band = (1 - top_margin - 0.4 / h) / len(series)
    colours = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky")]
    axes = []
    for i, (label, counts) in enumerate(series):
        ax = fig.add_axes((0.30, 1 - top_margin - band * (i + 1) + band * 0.12, 0.62, band * 0.76))
        ax.bar(range(len(counts)), counts, color=colours[i % len(colours)], width=0.85)
        ax.set_ylim(0, peak * 1.1)
        ax.set_xlim(-0.6, max(len(weeks), MIN_SLOTS) - 0.4)
        ax.set_yticks([])
        ax.set_xticks([])
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.text(-0.02, 0.5, label, transform=ax.transAxes, ha="right", va="center", fontsize=10)
        ax.text(
            1.01,
            0.5,
            f"{sum(counts):,}",
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=10,
        )
        axes.append(ax)
    unit = cast("tuple[str]", chart.extra)[0] if chart.extra else "week"
    last = axes[-1]
    step = max(1, -(-len(weeks) // 5))
    ticks = list(range(0, len(weeks), step))
    style = {"week": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}[unit]
    last.set_xticks(ticks, [weeks[i].strftime(style) for i in ticks], fontsize=8)
    last.set_xlabel(
        {"week": "weeks starting on Monday", "month": "months", "year": "years"}[unit], fontsize=8
    )
    last.tick_params(axis="x", length=2)
    fig.text(
        0.30,
        1 - top_margin + 0.01,
        f"Per {unit}; highest {unit} {peak:,}",
        fontsize=8,
        color="#5a6570",
    )
    return fig


def _draw_turnout(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    electorate, needed, quorum_percent = cast("tuple[int, int | None, int | None]", chart.extra)
    points = cast("list[TurnoutPoint]", list(chart.series))
    fig = Figure(figsize=(WIDTH_INCHES, 3.0))
    ax = fig.add_axes((0.08, 0.12, 0.72, 0.72))
    # Each day's count holds until the next day: the last day is drawn as a full step too.
    xs = [d for d, _ in points] + [points[-1][0] + timedelta(days=1)]
    ys = [n for _, n in points] + [points[-1][1]]
    # The x values are dates: matplotlib's date converter takes them at run time, but its type
    # stubs accept only numbers and arrays, hence the ignores below.
    ax.step(xs, ys, where="post", color=OKABE_ITO["blue"], linewidth=2)  # type: ignore[arg-type]
    ax.fill_between(xs, ys, step="post", color=OKABE_ITO["blue"], alpha=0.15)  # type: ignore[arg-type]
    ax.set_ylim(0, max(electorate, 1) * 1.05)
    ax.set_xlim(xs[0], xs[-1])  # type: ignore[arg-type]
    ax.text(
        ax.get_xlim()[1],
        ys[-1],
        f" {ys[-1]:,} voted ({_pct(ys[-1], electorate)})",
        va="center",
        ha="left",
        fontsize=10,
        color=OKABE_ITO["blue"],
    )
    if needed is not None:
        ax.axhline(needed, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.5)
        ax.text(
            ax.get_xlim()[0],
            needed,
            f" quorum {quorum_percent}% ({needed:,})",
            va="bottom",
            ha="left",
            fontsize=9,
            color=OKABE_ITO["vermillion"],
        )
    ax.axhline(electorate, color="#c9d1d8", linewidth=1)
    ax.text(ax.get_xlim()[0], electorate, f" electorate {electorate:,}", va="bottom", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    first, last = points[0][0], points[-1][0]
    ticks = [first, last] if last != first else [first]
    ax.set_xticks(
        [t + timedelta(hours=12) for t in ticks],  # type: ignore[arg-type]  # dates, as above
        [d.strftime("%-d %b %Y") for d in ticks],
    )
    ax.set_ylabel("practices voted")
    return fig


def _draw_map(chart: Chart, Figure: type[MplFigure]) -> MplFigure:
    (high,) = cast("tuple[int]", chart.extra)
    fig = Figure(figsize=(WIDTH_INCHES, 6.4))
    ax = fig.add_axes((0.09, 0.09, 0.86, 0.80))
    edge = high - 0.5
    ax.set_xlim(0.5, 6.0)  # room for the labels of the most interested
    ax.set_ylim(0.5, 5.5)
    ax.axvline(edge, color="#c9d1d8", linewidth=1.5)
    ax.axhline(edge, color="#c9d1d8", linewidth=1.5)
    corners = {  # (x, y, ha, va) of each quadrant's name
        "manage closely": (5.95, 5.45, "right", "top"),
        "keep satisfied": (0.55, 5.45, "left", "top"),
        "keep informed": (5.95, 0.55, "right", "bottom"),
        "monitor": (0.55, 0.55, "left", "bottom"),
    }
    for r in chart.rows:
        x, y, ha, va = corners[r.label]
        ax.text(
            x,
            y,
            f"{r.label} ({r.text})",
            ha=ha,
            va=va,
            fontsize=10,
            fontweight="bold",
            color="#5a6570",
        )
    # Stakeholders with the same ratings share a point: spread them in a small ring.
    at: dict[tuple[int, int], list[MapPoint]] = {}
    for p in cast("tuple[MapPoint, ...]", chart.series):
        at.setdefault((p[2], p[1]), []).append(p)
    for (x, y), group in at.items():
        for i, (label, _, _, position) in enumerate(group[:12]):
            dx = dy = 0.0
            if len(group) > 1:
                angle = 2 * math.pi * i / min(len(group), 12)
                dx, dy = 0.28 * math.cos(angle), 0.28 * math.sin(angle)
            colour = POSITION_COLOURS.get(position, POSITION_COLOURS["unknown"])
            ax.scatter(
                [x + dx], [y + dy], s=60, color=colour, edgecolor=INK, linewidth=0.5, zorder=3
            )
            ax.text(x + dx + 0.08, y + dy, label, fontsize=7, va="center", zorder=4)
        if len(group) > 12:
            ax.text(x, y - 0.42, f"+{len(group) - 12:,} more", fontsize=7, ha="center")
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlabel("interest")
    ax.set_ylabel("influence")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [
        ax.scatter(
            [],
            [],
            s=40,
            color=c,
            edgecolor=INK,
            linewidth=0.5,
            label="no position" if k == "unknown" else k,
        )
        for k, c in POSITION_COLOURS.items()
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.09),
        ncol=5,
        frameon=False,
        fontsize=8,
    )
    return fig
