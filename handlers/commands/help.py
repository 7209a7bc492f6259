"""`/consult`, `/consult help`, `/consult help <subcommand>`."""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import closest

from .subcommand import CommandRequest, subcommand, usage_block


@subcommand(
    "help",
    summary="List the commands, or explain one",
    usage="/consult help [<subcommand>]",
    example="/consult help engage",
)
def help_callback(req: CommandRequest, args: list[str]) -> None:
    # The catalogue lists this command too: the dispatcher hands it over with the request.
    assert req.catalogue is not None, "the dispatcher gives every request the catalogue"
    listed = req.catalogue.subcommands
    if args:
        sub = req.catalogue.find(args[0])
        if sub is None:
            hint = closest(args[0], listed)
            raise UsageError(
                f"There is no `{args[0][:40]}` command."
                + (f" Did you mean `{hint}`?" if hint else "")
                + " `/consult help` lists them all.",
                usage="",
            )
        req.out.reply(f"*/consult {sub.name}*: {sub.summary}\n{usage_block(sub)}")
        return
    lines = ["*Consult* runs your engagement programme from this channel. Commands:"]
    for sub in listed.values():
        lines.append(f"• `/consult {sub.name}`: {sub.summary}")
    lines.append("`/consult help <command>` shows how to use one, with an example.")
    req.out.reply("\n".join(lines))
