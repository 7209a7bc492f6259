"""`/consult programme model <model>`: change the co-commissioning model later."""

from __future__ import annotations

from bot import duties as duty_rules
from bot import programme_templates
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import choice
from bot.rendering import esc
from bot.services.programmes import change_model

from .subcommand import CommandRequest, subcommand

USAGE = "/consult programme model greater-involvement|joint|delegated|undecided"


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
    summary="Change the programme's co-commissioning model (its deadlines and duties follow)",
    usage=USAGE,
    example="/consult programme model delegated",
)
def programme_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to change: `model`.", USAGE)
    choice(args[0], ["model"], "programme command", USAGE)
    if len(args) != 2:
        raise UsageError(
            "Give one model: "
            + ", ".join(
                programme_templates.model_names(programme_templates.load("co-commissioning"))
            )
            + ".",
            USAGE,
        )
    change = change_model(req.actor, req.channel_id, args[1], req.uow)
    text = change_text(change)
    req.out.post(req.channel_id, f"<@{req.actor.user_id}> changed the programme's model. " + text)
    req.out.reply(f"Done: the model is now *{change.new}*.")
