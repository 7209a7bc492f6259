"""Block Kit for the App Home tab: a pure builder, always within Slack's limits
(100 blocks per view, 3,000 characters per section), however large the programmes.
"""

from __future__ import annotations

from bot import duties as duty_rules
from bot.coverage import bar, percent
from bot.dates import format_date, format_datetime, working_days_between
from bot.rendering import esc

from .kit import MAX_VIEW_BLOCKS, button, context, divider, header, image, section

LOG_BUTTON = "home_log_engagement"
ITEMS = 5  # actions, deadlines and votes shown per programme


def _more(total: int, shown: int) -> str:
    return f"\n…and {total - shown:,} more" if total > shown else ""


def coverage_section(report) -> str:
    lines = [f"*Coverage* (engaged within {report.days} days)"]
    for t in report.types:
        lines.append(f"`{bar(t.engaged, t.total)}` {t.label}: {t.engaged:,} of {t.total:,}")
    if not report.types:
        lines.append("No stakeholders yet: `/consult stakeholder add`.")
    practices = report.of_type("practice")
    if practices is not None and practices.total:
        shares = ", ".join(
            f"{s.position} {s.count:,} ({percent(s.share)} of patients)"
            for s in report.positions
            if s.count
        )
        lines.append(f"Practices' positions: {shares}")
    return "\n".join(lines)


def actions_section(actions: list, today) -> str:
    lines = [f"*Your open actions* ({len(actions):,})"]
    for a in actions[:ITEMS]:
        due = (
            f", due {format_date(a.due_on)}" + (" *overdue*" if a.due_on < today else "")
            if a.due_on
            else ""
        )
        lines.append(f"• #{a.id} {esc(a.title[:200])}{due}")
    return "\n".join(lines) + _more(len(actions), ITEMS)


def deadlines_section(deadlines: list, today) -> str:
    lines = ["*Upcoming deadlines*"]
    for d in deadlines[:ITEMS]:
        left = working_days_between(today, d.due_on)
        lines.append(
            f"• {format_date(d.due_on)}{f' _({mark})_' if (mark := duty_rules.provisional_text(d)) else ''}: "
            f"{esc(d.title[:200])} ({left:,} working day{'s' if left != 1 else ''} left)"
        )
    return "\n".join(lines) + _more(len(deadlines), ITEMS)


def votes_section(votes: list, timezone: str) -> str:
    lines = ["*Open votes*"]
    for v in votes[:ITEMS]:
        closes = v.closes_at
        lines.append(
            f"• {esc(v.question[:200])}"
            + (f" (closes {format_datetime(closes, timezone)})" if closes else "")
        )
    return "\n".join(lines) + _more(len(votes), ITEMS)


def issues_section(issues: list, total: int) -> str:
    lines = ["*Top open issues raised*"]
    for i in issues[:ITEMS]:
        raised = f"{i.stakeholders:,} stakeholder{'s' if i.stakeholders != 1 else ''}"
        lines.append(
            f"• #{i.id} {esc(i.name[:120])}: raised by {raised}"
            + ("" if i.response else ", no response yet")
        )
    lines.append(f"`/consult issues` lists all {total:,}; `/consult issue respond` answers one.")
    return "\n".join(lines)


def _image(file_id: str, report) -> dict:
    from bot import charts

    chart = charts.coverage_from_report(report)
    return image(file_id, chart.title, chart.alt)


def programme_blocks(item, picture: str | None = None) -> list[dict]:
    """`picture`: the Slack file id of the programme's coverage chart, shown above its text bars."""
    p = item.programme
    blocks = [header(p.name), context(f"<#{p.channel_id}>")]
    if picture:
        blocks.append(_image(picture, item.report))
    blocks.append(section(coverage_section(item.report)))
    if item.my_actions:
        blocks.append(section(actions_section(item.my_actions, item.today)))
    if item.deadlines:
        blocks.append(section(deadlines_section(item.deadlines, item.today)))
    if item.votes:
        blocks.append(section(votes_section(item.votes, p.timezone)))
    open_issues = getattr(item, "open_issues", None)
    if open_issues:
        blocks.append(section(issues_section(open_issues, getattr(item, "issues_total", 0))))
    blocks.append(divider())
    return blocks


def home_view(home, pictures: dict[int, str] | None = None) -> dict:
    """`pictures`: programme id -> Slack file id of its coverage chart (none: text bars only)."""
    blocks: list[dict] = [
        header("Consult"),
        {
            "type": "actions",
            "elements": [button(LOG_BUTTON, "Log engagement", style="primary")],
        },
    ]
    if not home.programmes:
        blocks.append(
            section(
                "You are not in a Consult programme yet. In a programme's channel, "
                "`/consult engage` logs an engagement and `/consult coverage` shows who has not "
                "been heard; `/consult setup` starts a programme."
            )
        )
    room = MAX_VIEW_BLOCKS - len(blocks) - 1  # one left for "and N more"
    left_out = home.more
    for i, item in enumerate(home.programmes):
        part = programme_blocks(item, (pictures or {}).get(item.programme.id))
        if len(part) > room:
            left_out += len(home.programmes) - i
            break
        blocks += part
        room -= len(part)
    if left_out:
        blocks.append(
            context(
                f"…and {left_out:,} more programme{'s' if left_out != 1 else ''}: "
                "use `/consult coverage` in their channels."
            )
        )
    return {"type": "home", "blocks": blocks}
