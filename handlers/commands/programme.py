"""`/consult programme model|template`: change the model later, or give a template."""

from __future__ import annotations

from bot import clock, programme_templates
from bot import duties as duty_rules
from bot.dates import format_date, parse_date
from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int
from bot.rendering import esc
from bot.services.programmes import change_model, give_template

from .setup import key_dates_text
from .subcommand import CommandRequest, subcommand

USAGE = "\n".join(
    [
        f"/consult programme model {'|'.join(programme_templates.model_names(t))}   # {t['name']}"
        for t in programme_templates.summaries()
        if t.get("models")
    ]
    + [
        "/consult programme template <template> [--year <cycle year> | --decision <date>] "
        "[--model <model>]   # for a programme set up without one"
    ]
)


def _deadline_line(d) -> str:
    mark = f" ({duty_rules.provisional_text(d)})" if duty_rules.provisional_text(d) else ""
    return f"`#{d.id}` {format_date(d.due_on)}{mark}: {esc(d.title)}"


def _duty_line(d) -> str:
    return f"*{d.id}* {esc(d.title)}"


def change_text(change) -> str:
    """What a change of model did, item by item, for the channel."""
    d = change.duties
    lines = [f"Model changed from *{change.old or 'none'}* to *{change.new}*."]
    sections = [
        ("Deadlines added", [_deadline_line(x) for x in change.added]),
        ("Deadlines reopened", [_deadline_line(x) for x in change.reopened]),
        (
            "Deadlines cancelled (they stop reminding)",
            [_deadline_line(x) for x in change.cancelled],
        ),
        ("Duties added", [_duty_line(x) for x in d.added]),
        ("Duties reopened", [_duty_line(x) for x in d.reopened]),
        (
            "Duties cancelled (kept in the record, not needed now)",
            [_duty_line(x) for x in d.cancelled],
        ),
        (
            "Not needed now, but kept as they are because they are done or have evidence",
            [_duty_line(x) for x in d.kept],
        ),
        (
            "Duties with a new due date",
            [
                f"{_duty_line(x)}: {format_date(old) if old else 'none'} → {format_date(x.due_on)}"
                for x, old in d.moved
            ],
        ),
        ("Done by this choice", [_duty_line(x) for x in d.done]),
    ]
    for title, rows in sections:
        if rows:
            lines.append(f"*{title}:*")
            lines += [f"• {r}" for r in rows]
    if len(lines) == 1:
        lines.append("No deadline or duty changed.")
    lines.append("Nothing is deleted: the audit trail records each change.")
    return "\n".join(lines)


@subcommand(
    "programme",
    summary="Change the programme's model, or give it a template (deadlines and duties follow)",
    usage=USAGE,
    example="/consult programme model delegated",
)
def programme_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to change: `model` or `template`.", USAGE)
    if choice(args[0], ["model", "template"], "programme command", USAGE) == "template":
        _template(req, args[1:])
        return
    if len(args) != 2:
        raise UsageError(
            "Give one model: "
            + "; ".join(
                f"{t['name']}: {', '.join(programme_templates.model_names(t))}"
                for t in programme_templates.summaries()
                if t.get("models")
            )
            + ".",
            USAGE,
        )
    change = change_model(req.actor, req.channel_id, args[1], req.uow)
    text = change_text(change)
    req.out.post(req.channel_id, f"<@{req.actor.user_id}> changed the programme's model. " + text)
    req.out.reply(f"Done: the model is now *{change.new}*.")


def _template(req: CommandRequest, args: list[str]) -> None:
    p = parse(args, {"year", "model", "decision"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError(
            "Give one template: " + ", ".join(programme_templates.names()) + ".",
            USAGE,
        )
    year = parse_int(p.opt("year"), "The year", 2000, 2100) if p.opt("year") else None
    decision = p.opt("decision")
    programme, deadlines = give_template(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        year=year,
        model=p.opt("model"),
        decision=(
            parse_date(decision, clock.today_in(req.services.settings.timezone))
            if decision is not None
            else None
        ),
    )
    cycle = (
        f" ({programme.year}/{str(programme.year + 1)[-2:]} cycle)"
        if programme.year is not None
        else ""
    )
    lines = [
        f"<@{req.actor.user_id}> gave the programme the template *{esc(programme.template)}*"
        f"{cycle}."
    ]
    lines += key_dates_text(programme, deadlines, year_given=year is not None)
    req.out.post(req.channel_id, "\n".join(lines))
    req.out.reply(
        f"Done: *{esc(programme.name)}* now follows the {esc(programme.template)} template, "
        f"with {len(deadlines)} key date{'s' if len(deadlines) != 1 else ''}."
    )
