"""`/consult setup`: bind this channel to a new programme."""

from __future__ import annotations

from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import parse, parse_int
from bot.rendering import esc
from bot.services.programmes import setup_programme

from .subcommand import CommandRequest, subcommand

USAGE = '/consult setup "<programme name>" [--template co-commissioning] [--year 2014] [--timezone Europe/London]'


@subcommand(
    "setup",
    summary="Start a programme in this channel",
    usage=USAGE,
    example='/consult setup "Hillingdon co-commissioning" --template co-commissioning --year 2014',
)
def setup_callback(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"template", "year", "timezone"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            "Give the programme's name, in quotes if it has spaces."
            if not p.words
            else "Put the programme's name in quotes: it has spaces."
        )
    year = parse_int(p.opt("year"), "The year", 2000, 2100) if p.opt("year") else None
    timezone = p.opt("timezone") or req.services.settings.timezone
    programme, deadlines = setup_programme(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        template=p.opt("template"),
        year=year,
        timezone=timezone,
    )
    lines = [
        f"<@{req.actor.user_id}> set up the programme *{esc(programme.name)}* in this channel "
        f"(timezone {programme.timezone}). They are its admin."
    ]
    if deadlines:
        lines.append(f"Key dates from the {programme.template} template ({programme.year}):")
        lines += [f"• {format_date(d.due_on)}: {esc(d.title)}" for d in deadlines]
    lines.append(
        "Next: add stakeholders with `/consult stakeholder add`, or import member practices; `/consult help` lists everything."
    )
    req.out.post(req.channel_id, "\n".join(lines))
    req.out.reply(f"Done: *{esc(programme.name)}* is set up here.")
