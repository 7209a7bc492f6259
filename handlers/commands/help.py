"""`/consult`, `/consult help`, `/consult help <subcommand>`."""

from __future__ import annotations

from bot.errors import UsageError
from bot.grammar import closest

from . import SUBCOMMANDS, CommandRequest, find, subcommand, usage_block


@subcommand(
    "help",
    summary="List the commands, or explain one",
    usage="/consult help [<subcommand>]",
    example="/consult help engage",
    order=99,
)
def help_callback(req: CommandRequest, args: list[str]) -> None:
    if args:
        sub = find(args[0])
        if sub is None:
            hint = closest(args[0], SUBCOMMANDS)
            raise UsageError(
                f"There is no `{args[0][:40]}` command."
                + (f" Did you mean `{hint}`?" if hint else "")
                + " `/consult help` lists them all.",
                usage="",
            )
        req.out.reply(f"*/consult {sub.name}*: {sub.summary}\n{usage_block(sub)}")
        return
    lines = ["*Consult* runs your engagement programme from this channel. Commands:"]
    for sub in sorted(SUBCOMMANDS.values(), key=lambda s: (s.order, s.name)):
        lines.append(f"• `/consult {sub.name}`: {sub.summary}")
    lines.append("`/consult help <command>` shows how to use one, with an example.")
    req.out.reply("\n".join(lines))
