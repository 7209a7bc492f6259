"""`/consult person forget <@user>`: pseudonymise a person everywhere (admins)."""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import choice, user_id
from bot.rendering import esc
from bot.services.people import forget_person

from .subcommand import CommandRequest, subcommand

USAGE = "/consult person forget <@user>"


@subcommand(
    "person",
    summary="Forget a person: their Slack identity replaced by a pseudonym everywhere (admins)",
    usage=USAGE,
    example="/consult person forget @former.colleague",
)
def person_callback(req: CommandRequest, args: list[str]) -> None:
    if len(args) != 2:
        raise UsageError("Say forget, and mention the person.", USAGE)
    choice(args[0], ["forget"], "what to do", USAGE)
    who = user_id(args[1])
    done = forget_person(req.actor, req.channel_id, who, req.uow)
    programmes = ", ".join(esc(n) for n in done.programmes) or "no programme"
    req.out.reply(
        f"Forgotten: <@{who}> is now *{done.pseudonym}* in {programmes} "
        f"({done.rows:,} records changed). Counts, vote results and their checksums are "
        "unchanged, and the audit trail was resealed with an entry saying a person was "
        "forgotten (not who). Their Slack account itself is Slack's to delete."
    )
