"""`/consult actions`, `/consult action add|done`: follow-up actions."""

from __future__ import annotations

from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int, user_id
from bot.rendering import esc
from bot.services import engagements as svc

from .subcommand import CommandRequest, subcommand

USAGE = """/consult actions
/consult action add "<what>" [--owner @someone] [--due <date>] [--engagement <id>]
/consult action done <id>"""
LIST_LIMIT = 40


def action_line(a, today) -> str:
    due = ""
    if a.due_on:
        due = f", due {format_date(a.due_on)}" + (" *overdue*" if a.due_on < today else "")
    return f"• #{a.id} {esc(a.title)} (<@{a.owner_id}>{due})"


@subcommand(
    "actions",
    summary="List open follow-up actions, yours first",
    usage=USAGE,
    example="/consult actions",
)
def actions_callback(req: CommandRequest, args: list[str]) -> None:
    if args:
        raise UsageError(
            "`/consult actions` takes nothing more; to change one, use `/consult action`.", USAGE
        )
    programme, actions, today = svc.list_actions(req.actor, req.channel_id, req.uow)
    if not actions:
        req.out.reply(f"*{esc(programme.name)}* has no open actions.")
        return
    mine = sum(1 for a in actions if a.owner_id == req.actor.user_id)
    lines = [
        f"*{esc(programme.name)}*: {len(actions):,} open action{'s' if len(actions) != 1 else ''}, {mine:,} yours"
    ]
    lines += [action_line(a, today) for a in actions[:LIST_LIMIT]]
    if len(actions) > LIST_LIMIT:
        lines.append(f"…and {len(actions) - LIST_LIMIT:,} more.")
    lines.append("Done one? `/consult action done <id>`")
    req.out.reply("\n".join(lines))


@subcommand(
    "action",
    summary="Add a follow-up action or mark one done",
    usage=USAGE,
    example='/consult action add "Send the LMC the draft terms of reference" --owner @jane --due 1/8/2014',
)
def action_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do: add or done.", USAGE)
    verb = choice(args[0], ["add", "done"], "action command", USAGE)
    if verb == "done":
        if len(args) != 2:
            raise UsageError("Give the action's number, e.g. `/consult action done 3`.", USAGE)
        _, a = svc.complete_action(
            req.actor,
            req.channel_id,
            parse_int(args[1].lstrip("#"), "The action number", 1),
            req.uow,
        )
        req.out.reply(f"Marked action #{a.id} done: {esc(a.title)}.")
        return
    p = parse(args[1:], {"owner", "due", "engagement"}, usage=USAGE)
    if len(p.words) != 1:
        raise UsageError("Put what the action is in quotes.", USAGE)
    owner = user_id(p.opt("owner")) if p.opt("owner") else None
    engagement = (
        parse_int(p.opt("engagement").lstrip("#"), "The engagement number", 1)
        if p.opt("engagement")
        else None
    )
    _, a = svc.add_action(
        req.actor,
        req.channel_id,
        p.words[0],
        req.uow,
        owner_id=owner,
        due=p.opt("due"),
        engagement_id=engagement,
    )
    req.out.reply(
        f"Added action #{a.id} for <@{a.owner_id}>"
        + (f", due {format_date(a.due_on)}" if a.due_on else "")
        + f": {esc(a.title)}."
    )
