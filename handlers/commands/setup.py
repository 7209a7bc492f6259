"""`/consult setup`: bind this channel to a new programme."""

from __future__ import annotations

from bot import clock, programme_templates
from bot import duties as duty_rules
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import parse, parse_int
from bot.rendering import esc
from bot.services.programmes import setup_programme

from .subcommand import CommandRequest, subcommand

USAGE = '/consult setup "<programme name>" [--template co-commissioning] [--year 2014] [--model greater-involvement|joint|delegated|undecided] [--timezone Europe/London]'


@subcommand(
    "setup",
    summary="Start a programme in this channel",
    usage=USAGE,
    example='/consult setup "Hillingdon co-commissioning" --template co-commissioning --year 2014 --model joint',
)
def setup_callback(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"template", "year", "timezone", "model"}, usage=USAGE)
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
        model=p.opt("model"),
    )
    lines = [
        f"<@{req.actor.user_id}> set up the programme *{esc(programme.name)}* in this channel "
        f"(timezone {programme.timezone}). They are its admin."
    ]
    if programme.template:
        lines += key_dates_text(programme, deadlines, year_given=year is not None)
    lines.append(
        "Next: add stakeholders with `/consult stakeholder add`, or import member practices; `/consult help` lists everything."
    )
    req.out.post(req.channel_id, "\n".join(lines))
    req.out.reply(f"Done: *{esc(programme.name)}* is set up here.")


def _next_cycle(template, programme, today) -> int:
    """The first cycle whose key dates are all today or later."""
    year = today.year - 1
    while any(
        d.due_on < today for d in programme_templates.key_dates(template, year, programme.model)
    ):
        year += 1
    return year


def key_dates_text(programme, deadlines, year_given: bool) -> list[str]:
    """The setup reply's key dates: each with its source, and the provisional ones said to be
    so, with how to confirm or move them."""
    template = programme_templates.load(programme.template)
    lines = []
    if programme.model:
        lines.append(
            f"Model: *{programme.model}* ({programme_templates.model_label(template, programme.model)})."
            + (
                " The proforma deadline and the committee, invitation and conflicts-of-interest "
                "duties come when you choose: `/consult programme model joint|delegated|greater-involvement`."
                if programme.model == programme_templates.UNDECIDED
                else " Change it with `/consult programme model <model>`."
            )
        )
    cycle = f"{programme.year}/{str(programme.year + 1)[-2:]}"
    provisional = [d for d in deadlines if d.provisional]
    moved = [d for d in provisional if not duty_rules.suggestion_of(d)]
    if deadlines and not moved:
        lines.append(f"Key dates of the {cycle} cycle, as the sources set them:")
    elif deadlines:
        lines.append(
            f"Key dates of the {cycle} cycle"
            + ("" if year_given else " (the current cycle: no `--year` was given)")
            + f": *provisional*. The sources date only the {programme_templates.documented_year(template)}/15 "
            "round; these are its milestones moved into this cycle and off weekends and bank holidays."
        )
    for d in deadlines:
        mark = f" _({duty_rules.provisional_text(d)})_" if d.provisional else ""
        lines.append(f"• `#{d.id}` {format_date(d.due_on)}{mark}: {esc(d.title)}")
        if d.source:
            lines.append(f"      _Source: {esc(d.source)}_")
        if d.notes:
            lines.append(f"      _{esc(d.notes)}_")
    today = clock.today_in(programme.timezone)
    passed = [d for d in deadlines if d.due_on < today]
    if passed:
        first = passed[0]
        lines.append(
            f"{len(passed)} of these dates {'have' if len(passed) != 1 else 'has'} passed already "
            f"(the first: {esc(first.title)}, {format_date(first.due_on)}): "
            f"{'they are' if len(passed) != 1 else 'it is'} shown as passed before the programme "
            "began, not as overdue, with the duties due by them. To follow another cycle, set the "
            'programme up again in a new channel with its year: `/consult setup "<name>" '
            f"--template {programme.template} --year {_next_cycle(template, programme, today)}` "
            "is the first cycle whose dates are all still to come."
        )
    if provisional:
        lines.append(
            "Confirm each provisional date once NHS England or your CCG has set it: `/consult deadline confirm <id>`, "
            "or move it: `/consult deadline move <id> <date>`. Until then they show as provisional "
            "everywhere (the calendar feed marks them tentative)."
        )
    return lines
