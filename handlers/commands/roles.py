"""`/consult admin|officer add|remove <@user>` and `/consult roles`."""

from __future__ import annotations

from bot import roles
from bot.errors import UsageError
from bot.grammar import choice, user_id
from bot.rendering import esc
from bot.services.programmes import grant_role, list_roles, revoke_role

from .subcommand import CommandRequest, subcommand

ADMIN_USAGE = "/consult admin add|remove <@user>"
OFFICER_USAGE = "/consult officer add|remove <@user>"


def _change(req: CommandRequest, args: list[str], role: str, usage: str) -> None:
    if len(args) != 2:
        raise UsageError("Say add or remove, and mention the person.", usage)
    verb = choice(args[0], ["add", "remove"], "choice", usage)
    who = user_id(args[1])
    label = "admin" if role == roles.ADMIN else "returning officer"
    if verb == "add":
        if grant_role(req.actor, req.channel_id, who, role, req.uow):
            req.out.post(
                req.channel_id, f"<@{req.actor.user_id}> made <@{who}> a {label} of this programme."
            )
            req.out.reply(f"<@{who}> is now a {label}.")
        else:
            req.out.reply(f"<@{who}> is already a {label}.")
    else:
        revoke_role(req.actor, req.channel_id, who, role, req.uow)
        req.out.post(req.channel_id, f"<@{req.actor.user_id}> removed <@{who}> as a {label}.")
        req.out.reply(f"<@{who}> is no longer a {label}.")


@subcommand(
    "admin",
    summary="Add or remove a programme admin (admins)",
    usage=ADMIN_USAGE,
    example="/consult admin add @jane",
)
def admin_callback(req: CommandRequest, args: list[str]) -> None:
    _change(req, args, roles.ADMIN, ADMIN_USAGE)


@subcommand(
    "officer",
    summary="Add or remove a returning officer for votes (admins)",
    usage=OFFICER_USAGE,
    example="/consult officer add @sam",
)
def officer_callback(req: CommandRequest, args: list[str]) -> None:
    _change(req, args, roles.RETURNING_OFFICER, OFFICER_USAGE)


@subcommand(
    "roles",
    summary="Who are the admins and returning officers",
    usage="/consult roles",
    example="/consult roles",
)
def roles_callback(req: CommandRequest, args: list[str]) -> None:
    if args:
        raise UsageError("`/consult roles` takes nothing after it.", "/consult roles")
    programme, rows = list_roles(req.actor, req.channel_id, req.uow)
    admins = sorted({r.user_id for r in rows if r.role == roles.ADMIN})
    officers = sorted({r.user_id for r in rows if r.role == roles.RETURNING_OFFICER})
    req.out.reply(
        f"*{esc(programme.name)}*\n"
        f"Admins: {', '.join(f'<@{u}>' for u in admins) or 'none'} (workspace admins too)\n"
        f"Returning officers: {', '.join(f'<@{u}>' for u in officers) or 'none (admins can act as one)'}"
    )
