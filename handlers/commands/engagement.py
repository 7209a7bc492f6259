"""`/consult engagement show|edit|withdraw|history`: one engagement, or one stakeholder's log."""

from __future__ import annotations

from blocks.engagement import engagement_text, kind_label, stakeholder_label
from bot.dates import format_date
from bot.errors import UsageError
from bot.grammar import choice, parse, parse_int
from bot.rendering import esc
from bot.services import engagements as svc

from .subcommand import CommandRequest, subcommand

USAGE = """/consult engagement show <id>
/consult engagement edit <id> [--summary "<summary>"] [--kind <kind>] [--date <date>] [--position <position>|none]
/consult engagement withdraw <id>
/consult engagement history <stakeholder>"""


def _id(args: list[str]) -> int:
    if len(args) != 1:
        raise UsageError(
            "Give the engagement's number, e.g. `12` (it is in the reply you got when it was logged).",
            USAGE,
        )
    return parse_int(args[0].lstrip("#"), "The engagement number", 1)


@subcommand(
    "engagement",
    summary="Show, edit or withdraw an engagement; a stakeholder's history",
    usage=USAGE,
    example="/consult engagement edit 12 --position support",
    aliases=("engagements",),
)
def engagement_callback(req: CommandRequest, args: list[str]) -> None:
    if not args:
        raise UsageError("Say what to do: show, edit, withdraw or history.", USAGE)
    verb = choice(args[0], ["show", "edit", "withdraw", "history"], "engagement command", USAGE)
    rest = args[1:]
    if verb == "show":
        programme, e, stakeholders, actions = svc.show_engagement(
            req.actor, req.channel_id, _id(rest), req.uow
        )
        req.out.reply(engagement_text(programme, e, stakeholders, actions))
    elif verb == "edit":
        p = parse(rest, {"summary", "kind", "date", "position"}, usage=USAGE)
        try:
            _, e = svc.edit_engagement(
                req.actor,
                req.channel_id,
                _id(p.words),
                req.uow,
                summary=p.opt("summary"),
                kind=p.opt("kind"),
                on=p.opt("date"),
                position=p.opt("position"),
            )
        except svc.FieldErrors as err:
            raise UsageError(err.message, USAGE) from None
        req.out.reply(
            f"Changed engagement #{e.id}: {kind_label(e.kind).lower()} on {format_date(e.occurred_on)}"
            + (f", position *{e.position}*" if e.position else ", no position")
            + ". The old version is kept in the audit trail."
        )
    elif verb == "withdraw":
        _, e = svc.withdraw_engagement(req.actor, req.channel_id, _id(rest), req.uow)
        req.out.reply(
            f"Withdrew engagement #{e.id}. It no longer counts for coverage or positions; "
            "the audit trail and the export keep it."
        )
    else:
        if len(rest) != 1:
            raise UsageError(
                "Say which stakeholder: its code or part of its name (quoted if it has spaces).",
                USAGE,
            )
        _, s, position, history = svc.stakeholder_history(
            req.actor, req.channel_id, rest[0], req.uow
        )
        lines = [f"*{esc(stakeholder_label(s))}*: current position *{position or 'unknown'}*"]
        if not history:
            lines.append("Not engaged yet. Log it with `/consult engage`.")
        for e in history:
            lines.append(
                f"• #{e.id} {format_date(e.occurred_on)}, {kind_label(e.kind).lower()}"
                + (f" ({e.position})" if e.position else "")
                + (" _withdrawn_" if e.withdrawn_at else "")
                + f": {esc(e.summary[:140])}"
                + ("…" if len(e.summary) > 140 else "")
            )
        req.out.reply("\n".join(lines))
