"""`/consult coverage [<type>] [--days N]`: who has been engaged, who has not, where practices stand."""

from __future__ import annotations

from blocks.raised_issues import issue_coverage_text
from bot import charts
from bot.coverage import DEFAULT_DAYS, CoverageReport, bar, percent
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import parse, parse_int
from bot.rendering import esc
from bot.services.access import programme_for
from bot.services.coverage import MAX_DAYS, show_coverage
from bot.services.raised_issues import issue_coverage
from bot.stakeholder_types import TYPES

from .pictures import picture_blocks
from .stakeholder import stakeholder_type
from .subcommand import CommandRequest, subcommand

USAGE = f"""/consult coverage [<type>] [--days N] [--chart]
/consult coverage --chart             # the same with pictures: coverage and practices' positions
/consult coverage --issue <issue>     # who raised an issue, and who has not been asked about it
types: {", ".join(TYPES)}   (N: 1 to {MAX_DAYS:,}, default {DEFAULT_DAYS})"""
DUTY_MARK = {"done": "✅", "na": "➖", "open": "⬜"}


def not_engaged_line(item, today) -> str:
    label = esc(item.name) + (f" ({esc(item.code)})" if item.code else "")
    if item.last_engaged is None:
        return f"{label}: never"
    return f"{label}: last {format_date(item.last_engaged)} ({item.days_since(today):,} days ago)"


def coverage_text(report: CoverageReport, names_per_type: int = 10, duties: bool = True) -> str:
    lines = [
        f"*Coverage of {esc(report.programme)}*: engaged within {report.days:,} days "
        f"(since {format_date(report.since)})"
    ]
    if not report.types:
        lines.append("The register is empty. Add stakeholders with `/consult stakeholder add`.")
    if report.manage_closely_quiet:
        quiet = report.manage_closely_quiet
        lines.append(
            f"\n*Manage closely, not heard from within {report.days:,} days* "
            f"({len(quiet):,}, from `/consult stakeholder map`), longest silent first:"
        )
        lines += [f"• {not_engaged_line(n, report.today)}" for n in quiet[:names_per_type]]
        if len(quiet) > names_per_type:
            lines.append(f"• …and {len(quiet) - names_per_type:,} more")
    for t in report.types:
        lines.append(
            f"\n*{t.label}*: {t.engaged:,} of {t.total:,} engaged `{bar(t.engaged, t.total)}`"
        )
        if t.not_engaged:
            shown = [not_engaged_line(n, report.today) for n in t.not_engaged[:names_per_type]]
            more = t.not_engaged_count - len(shown)
            lines.append(f"Not engaged ({t.not_engaged_count:,}), most overdue first:")
            lines += [f"• {line}" for line in shown]
            if more:
                lines.append(f"• …and {more:,} more")
    if report.of_type("practice") is not None:
        lines.append(
            f"\n*Member practices by current position* (share of {report.practice_list_size:,} registered patients)"
        )
        for share in report.positions:
            lines.append(
                f"• {share.position}: {share.count:,} practice{'s' if share.count != 1 else ''}, "
                f"{share.list_size:,} patients ({percent(share.share)})"
            )
    if duties and report.duties:
        lines.append("\n*Duties*")
        for d in report.duties[:15]:
            lines.append(
                f"{DUTY_MARK.get(d.state, '⬜')} {esc(d.title)} ({d.state}"
                + (f", due {format_date(d.due_on)}" if d.due_on and d.state == "open" else "")
                + ")"
            )
        if len(report.duties) > 15:
            lines.append(f"…and {len(report.duties) - 15:,} more: `/consult duties`")
    return "\n".join(lines)


@subcommand(
    "coverage",
    summary="Who has been engaged within N days, who has not, and practices' positions",
    usage=USAGE,
    example="/consult coverage practice --days 60",
)
def coverage_callback(req: CommandRequest, args: list[str]) -> None:
    chart = "--chart" in args
    args = [a for a in args if a != "--chart"]
    p = parse(args, {"days", "issue"}, usage=USAGE)
    if p.opt("issue") is not None:
        if p.words or p.opt("days") or chart:
            raise UsageError("`--issue` goes alone: `/consult coverage --issue 3`.", USAGE)
        req.out.reply(
            issue_coverage_text(issue_coverage(req.actor, req.channel_id, p.opt("issue"), req.uow))
        )
        return
    if len(p.words) > 1:
        raise UsageError("Give at most one stakeholder type.", USAGE)
    type_ = stakeholder_type(p.words[0]) if p.words else None
    days = parse_int(p.opt("days"), "`--days`", 1, MAX_DAYS) if p.opt("days") else DEFAULT_DAYS
    report = show_coverage(req.actor, req.channel_id, req.uow, type_, days)
    text = coverage_text(report, names_per_type=40 if type_ else 10, duties=type_ is None)
    if not chart:
        req.out.reply(text)
        return
    blocks, fallback = chart_blocks(req, report, text)
    req.out.reply(text, blocks, fallback_blocks=fallback)


def chart_blocks(
    req: CommandRequest, report: CoverageReport, text: str
) -> tuple[list[dict], list[dict]]:
    """Coverage's charts (the digest's two) above its text; see picture_blocks."""
    with req.uow as uow:
        programme_id = programme_for(uow, req.actor, req.channel_id).id
    wanted = [charts.coverage_from_report(report)]
    if report.of_type("practice") is not None:
        wanted.append(charts.positions_from_report(report))
    return picture_blocks(req, programme_id, wanted, text)
