"""`/consult evidence`: the evidence pack, sent privately to the admin who asks."""

from __future__ import annotations

from bot.errors import UsageError
from bot.rendering import esc
from bot.services import evidence as svc

from .subcommand import CommandRequest, exporter, subcommand

USAGE = """/consult evidence        # admins: the evidence pack (HTML, printable), sent to you privately
/consult evidence pdf    # the same as an A4 PDF, ready to attach to board papers"""


@subcommand(
    "evidence",
    summary="The evidence pack for a submission or an HWBB report (admins)",
    usage=USAGE,
    example="/consult evidence pdf",
)
def evidence_callback(req: CommandRequest, args: list[str]) -> None:
    fmt = args[0].lower() if args else "html"
    if len(args) > 1 or fmt not in svc.FORMATS:
        raise UsageError(
            "`/consult evidence` takes nothing (HTML) or `pdf`, e.g. `/consult evidence pdf`."
        )
    programme, filename, content = svc.evidence_pack(
        req.actor, req.channel_id, req.services.uow, fmt
    )
    how = (
        "an A4 PDF with page numbers and the fingerprint on every page, ready to attach to a "
        "submission or a board report"
        if fmt == "pdf"
        else "open it in a browser and print it, or save it as PDF, to attach to a submission "
        "or a board report (`/consult evidence pdf` makes the PDF for you)"
    )
    req.out.upload(
        req.actor.user_id,
        filename,
        content,
        f"Evidence pack: {programme.name}",
        f"The evidence pack for *{esc(programme.name)}*: {how}.",
    )
    req.out.reply(
        f"I've sent you the evidence pack for *{esc(programme.name)}* in a direct message ({filename})."
    )


@exporter(
    "not-heard",
    "who did not respond: each closed vote's non-voting practices, and stakeholders never engaged",
)
def export_not_heard(req: CommandRequest, args: list[str]):
    if args:
        raise UsageError("`/consult export not-heard` takes nothing more.")
    programme, content, comment = svc.not_heard_csv(req.actor, req.channel_id, req.uow)
    safe = (
        "".join(c if c.isalnum() else "-" for c in programme.name.lower()).strip("-")[:60]
        or "programme"
    )
    return f"{safe}-not-heard.csv", content, comment
