"""`/consult setup`: bind this channel to a new programme."""

from __future__ import annotations

from bot import clock, programme_templates
from bot import duties as duty_rules
from bot.dates import format_date, parse_date
from bot.errors import UsageError
from bot.grammar import parse, parse_int
from bot.rendering import esc
from bot.services.programmes import setup_programme

from .subcommand import CommandRequest, subcommand

USAGE = "\n".join(
    ['/consult setup "<programme name>" [--timezone Europe/London]']
    + [programme_templates.setup_usage(t) for t in programme_templates.summaries()]
    + ["`/consult templates` lists the templates, what each is for and its sources."]
)


@subcommand(
    "setup",
    summary="Start a programme in this channel",
    usage=USAGE,
    example='/consult setup "Hillingdon co-commissioning" --template co-commissioning --model joint',
)
def setup_callback(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"template", "year", "timezone", "model", "decision"}, usage=USAGE)
    decision_text = p.opt("decision")  # unquoted dates: the words up to the next option
    if len(p.words) != 1:
        raise UsageError(
            "Give the programme's name, in quotes if it has spaces."
            if not p.words
            else "Put the programme's name in quotes: it has spaces."
        )
    year = parse_int(p.opt("year"), "The year", 2000, 2100) if p.opt("year") else None
    timezone = p.opt("timezone") or req.services.settings.timezone
    decision = (
        parse_date(decision_text, clock.today_in(timezone)) if decision_text is not None else None
    )
    programme, deadlines = setup_programme(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        template=p.opt("template"),
        year=year,
        timezone=timezone,
        model=p.opt("model"),
        decision=decision,
    )
    lines = [
        f"<@{req.actor.user_id}> set up the programme *{esc(programme.name)}* in this channel "
        f"(timezone {programme.timezone}). They are its admin."
    ]
    template = programme_templates.load(programme.template) if programme.template else None
    if template:
        lines += key_dates_text(programme, deadlines, year_given=year is not None)
    types = programme_templates.stakeholder_types(template)
    lines.append(
        'Next: add stakeholders with `/consult stakeholder add <type> "<name>"`'
        + (f" (this template's types: {', '.join(f'`{t}`' for t in types)})" if types else "")
        + ("; or import member practices" if "practice" in types else "")
        + "; `/consult help` lists everything."
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
                " " + programme_templates.text(template, "undecided_model")
                if programme.model == programme_templates.UNDECIDED
                else " Change it with `/consult programme model <model>`."
            )
        )
    provisional = [d for d in deadlines if d.provisional]
    if programme_templates.is_decision_dated(template):
        lines.append(
            "Key dates, placed back from the decision date you gave"
            + (
                ": *provisional*. No source sets them: each is the programme's choice, "
                "shown with why, until you confirm or move it."
                if provisional
                else ":"
            )
        )
    else:
        cycle = f"{programme.year}/{str(programme.year + 1)[-2:]}"
        documented = programme_templates.documented_year(template)
        moved = [d for d in provisional if not duty_rules.suggestion_of(d)]
        if deadlines and not moved:
            lines.append(
                f"Key dates of the {cycle} cycle, "
                f"{programme_templates.text(template, 'cycle_sources', 'as the sources set them')}:"
            )
        elif deadlines:
            lines.append(
                f"Key dates of the {cycle} cycle"
                + ("" if year_given else " (the current cycle: no `--year` was given)")
                + f": *provisional*. The sources date only the {documented}/{str(documented + 1)[-2:]} "
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
            "began, not as overdue, with the duties due by them. "
            + (
                "Mark what is done (`/consult deadline done <id>`) and move the rest, or set the "
                "programme up again with a later `--decision`."
                if programme_templates.is_decision_dated(template)
                else "To follow another cycle, set the "
                'programme up again in a new channel with its year: `/consult setup "<name>" '
                f"--template {programme.template} --year {_next_cycle(template, programme, today)}` "
                "is the first cycle whose dates are all still to come."
            )
        )
    if provisional:
        who = programme_templates.text(template, "confirm_who", "whoever sets it")
        lines.append(
            f"Confirm each provisional date once {who} has set it: `/consult deadline confirm <id>`, "
            "or move it: `/consult deadline move <id> <date>`. Until then they show as provisional "
            "everywhere (the calendar feed marks them tentative)."
        )
    return lines
