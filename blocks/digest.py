"""The weekly digest as Slack shows it: its text (one template per section), its charts, and
its Block Kit, within Slack's limits however large the programme.

Slack refuses a message with more than 50 blocks, a section text over 3,000
characters or a header over 150, and (msg_blocks_too_long) one whose blocks
add up to much over 13,000 characters. A long digest is therefore split: the
first message carries the headline and as much as fits, and the rest follows
as replies in its thread. Nothing is cut: a long section continues in the
next block, marked "(continued)".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import charts
from bot import raised_issues as issue_rules
from bot.coverage import bar
from bot.digest import (
    COVERAGE_DAYS,
    NOT_ENGAGED_SHOWN,
    Digest,
    days_left,
    headline,
    in_working_days,
    late_by,
    outcome_words,
    vote_closes,
)
from bot.rendering import render
from bot.services.digests import Rollup

from .kit import (
    EPHEMERAL_REPLIES,
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_HEADER,
    MAX_MESSAGE_CHARS,
    context,
    divider,
    header,
    image,
    one_line,
    section,
    section_chunks,
    text_size,
)

# -- the digest's text and pictures ---------------------------------------------------------------


@dataclass
class RenderedSection:
    key: str
    text: str  # Slack mrkdwn; its first line is the section's title


@dataclass(frozen=True)
class Picture:
    """A chart for the digest: uploaded to Slack and shown as an image block, or, when that is not
    possible, its text bars in its place."""

    name: str  # coverage | positions: part of its delivery key
    title: str
    alt: str
    fallback: str  # mrkdwn text bars with the same figures
    chart: object  # bot.charts.Chart

    def png(self) -> bytes:
        return charts.draw(self.chart, "png")


@dataclass
class RenderedDigest:
    title: str  # plain text, for the header
    headline: str  # mrkdwn
    sections: list[RenderedSection]
    notes: list[str] = field(default_factory=list)  # mrkdwn, small print
    pictures: list[Picture] = field(default_factory=list)  # after the headline


# Wording shared by the templates.
WORDS = dict(
    bar=bar,
    days_left=days_left,
    late_by=late_by,
    in_working_days=in_working_days,
    outcome_words=outcome_words,
    vote_closes=vote_closes,
)

SECTIONS = ("engagement", "issues", "not_engaged", "deadlines", "votes", "overdue")


def render_content(content: Digest | Rollup) -> RenderedDigest:
    """A programme's digest, or a channel's roll-up, as text and pictures."""
    return render_rollup(content) if isinstance(content, Rollup) else render_digest(content)


def render_digest(d: Digest) -> RenderedDigest:
    """The digest as text, one template per section; empty sections are left out."""
    ctx = dict(
        d=d,
        tz=d.timezone,
        shown=NOT_ENGAGED_SHOWN,
        coverage_days=COVERAGE_DAYS,
        many=issue_rules.MANY_STAKEHOLDERS,
        waiting_days=issue_rules.WAITING_DAYS,
        **WORDS,
    )
    present = {
        "engagement": d.engagements > 0,
        "issues": bool(d.new_issues or d.waiting_issues),
        "not_engaged": bool(d.not_engaged),
        "deadlines": bool(d.deadlines),
        "votes": bool(d.votes),
        "overdue": bool(d.overdue_actions or d.overdue_duties or d.overdue_deadlines),
    }
    sections = [
        RenderedSection(name, render(f"digest/{name}.j2", **ctx))
        for name in SECTIONS
        if present[name]
    ]
    if not present["engagement"]:
        sections.insert(0, RenderedSection("engagement", render("digest/quiet.j2", **ctx)))
    notes = [render("digest/footer.j2", **ctx)]
    return RenderedDigest(
        render("digest/title.j2", **ctx), headline(d), sections, notes, digest_pictures(d)
    )


def digest_pictures(d: Digest) -> list[Picture]:
    """Coverage and member practices' positions, from the coverage report the digest's text uses."""
    report = d.coverage
    if report is None or not report.types:
        return []
    chosen = [charts.coverage_from_report(report)]
    if any(p.count for p in report.positions):
        chosen.append(charts.positions_from_report(report))
    return [Picture(c.name, c.title, c.alt, charts.text_bars(c), c) for c in chosen]


def render_rollup(r: Rollup) -> RenderedDigest:
    ctx = dict(r=r, coverage_days=COVERAGE_DAYS, **WORDS)
    title = render("digest/rollup_title.j2", **ctx)
    head = render("digest/rollup_headline.j2", **ctx)
    return RenderedDigest(
        title,
        head,
        [RenderedSection("rollup", render("digest/rollup.j2", **ctx))],
        [render("digest/rollup_footer.j2", **ctx)],
        rollup_pictures(r),
    )


def rollup_pictures(r: Rollup) -> list[Picture]:
    """The weekly digest's two charts over the followed programmes: coverage with a bar per
    programme, and the member practices of them all by position."""
    if not r.lines:
        return []
    chosen = [
        charts.coverage_chart(
            [(line.programme, line.engaged, line.stakeholders) for line in r.lines], COVERAGE_DAYS
        )
    ]
    totals: dict[str, list[int]] = {}
    for line in r.lines:
        for share in line.positions:
            n = totals.setdefault(share.position, [0, 0])
            n[0] += share.count
            n[1] += share.list_size
    if any(count for count, _ in totals.values()):
        chosen.append(charts.positions_chart([(p, n, size) for p, (n, size) in totals.items()]))
    return [Picture(c.name, c.title, c.alt, charts.text_bars(c), c) for c in chosen]


# -- Block Kit --------------------------------------------------------------------------------------


@dataclass
class Message:
    text: str  # notification / fallback text
    blocks: list[dict]

    def __iter__(self):  # (text, blocks), as the delivery service takes it
        return iter((self.text, self.blocks))


def digest_messages(
    rendered,
    max_blocks: int = MAX_BLOCKS,
    max_chars: int = MAX_MESSAGE_CHARS,
    images: dict[str, str] | None = None,
) -> list[Message]:
    """A RenderedDigest as one message, or a message and its thread replies. Its pictures follow
    the headline: an image block for each one uploaded (`images`: picture name -> Slack file id),
    and its text bars for each one that is not."""
    title = one_line(rendered.title, MAX_HEADER)
    lead = [header(title), section(f"*{rendered.headline}*")]
    for picture in getattr(rendered, "pictures", None) or []:
        file_id = (images or {}).get(picture.name)
        lead.append(
            image(file_id, picture.title, picture.alt) if file_id else section(picture.fallback)
        )
    body: list[list[dict]] = []  # each section's blocks, kept in order
    for s in rendered.sections:
        body.append([section(chunk) for chunk in section_chunks(s.text)])
    notes = [context(note) for note in rendered.notes if note]

    # One block and its characters are kept free in every message for "continued in the thread" / "part i of n".
    reserve_blocks, reserve_chars = 1, 120
    messages: list[list[dict]] = [list(lead)]

    def fits(msg: list[dict], block: dict) -> bool:
        return (
            len(msg) + 1 + reserve_blocks <= max_blocks
            and sum(text_size(b) for b in msg) + text_size(block) + reserve_chars <= max_chars
        )

    for blocks in body:
        for i, block in enumerate(blocks):
            msg = messages[-1]
            lead_in = [divider()] if i == 0 and msg and msg[-1]["type"] != "header" else []
            if not fits(msg, block) or len(msg) + len(lead_in) + 1 + reserve_blocks > max_blocks:
                messages.append([])
                msg = messages[-1]
                lead_in = []
            msg.extend(lead_in)
            msg.append(block)
    for note in notes:
        if not fits(messages[-1], note):
            messages.append([])
        messages[-1].append(note)

    total = len(messages)
    out = []
    for n, blocks in enumerate(messages, start=1):
        if total > 1:
            if n == 1:
                blocks.append(
                    context(
                        f"Continued in the thread ({total - 1} more message"
                        f"{'s' if total > 2 else ''})."
                    )
                )
            else:
                blocks.insert(0, context(f"{one_line(title, 100)}, part {n} of {total}"))
        text = f"{title}: {rendered.headline}" if n == 1 else f"{title} (part {n} of {total})"
        out.append(Message(one_line(text, MAX_FALLBACK), blocks))
    return out


def ephemeral_messages(messages: list[Message], limit: int = EPHEMERAL_REPLIES) -> list[Message]:
    """What `digest now` can show: Slack takes at most 5 replies to one command."""
    if len(messages) <= limit:
        return messages
    kept = messages[:limit]
    rest = len(messages) - limit
    note = context(
        f"{rest} more message{'s' if rest != 1 else ''} of this digest do not fit in a reply to one "
        "command; the weekly post in the channel has all of it, in its thread."
    )
    last = kept[-1]
    blocks = last.blocks if len(last.blocks) < MAX_BLOCKS else last.blocks[:-1]
    kept[-1] = Message(last.text, blocks + [note])
    return kept
