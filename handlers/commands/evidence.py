"""`/consult evidence`: the evidence pack, sent privately to the admin who asks."""

from __future__ import annotations

from bot.errors import UsageError
from bot.rendering import esc
from bot.services import evidence as svc

from . import CommandRequest, subcommand

USAGE = (
    "/consult evidence        # admins: the evidence pack (HTML, printable), sent to you privately"
)


@subcommand(
    "evidence",
    summary="The evidence pack for a submission or an HWBB report (admins)",
    usage=USAGE,
    example="/consult evidence",
    order=32,
)
def evidence_callback(req: CommandRequest, args: list[str]) -> None:
    if args:
        raise UsageError("`/consult evidence` takes no arguments.")
    programme, filename, content = svc.evidence_pack(req.actor, req.channel_id, req.services.uow)
    req.out.upload(
        req.actor.user_id,
        filename,
        content,
        f"Evidence pack: {programme.name}",
        f"The evidence pack for *{esc(programme.name)}*: open it in a browser and print it, or save it "
        "as PDF, to attach to a submission or a board report.",
    )
    req.out.reply(
        f"I've sent you the evidence pack for *{esc(programme.name)}* in a direct message ({filename})."
    )
